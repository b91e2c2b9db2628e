"""`ofsted-findings demo` builds, crawls and indexes the sample site (serving is tested in webapp)."""
import json
import subprocess
import sys


def test_demo_indexes_letters_from_several_authorities_and_council_releases(tmp_path):
    data = tmp_path / "data"
    proc = subprocess.run([sys.executable, "-m", "ofsted_findings", "demo", "--data-dir", str(data),
                           "--no-serve"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    demo_data = data / "demo" / "data"
    search = subprocess.run([sys.executable, "-m", "ofsted_findings", "search", "staying put",
                             "--data-dir", str(demo_data), "--format", "json", "--limit", "100"],
                            capture_output=True, text=True, timeout=120, check=True)
    hits = [json.loads(line) for line in search.stdout.splitlines()]
    assert len({h["authority"] for h in hits}) >= 3
    docs = subprocess.run([sys.executable, "-m", "ofsted_findings", "documents", "--data-dir",
                           str(demo_data), "--format", "json"], capture_output=True, text=True,
                          timeout=120, check=True)
    kinds = {json.loads(line)["kind"] for line in docs.stdout.splitlines()}
    assert kinds == {"ofsted", "council"}
