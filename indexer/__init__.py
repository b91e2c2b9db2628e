"""Turns stored documents into clean, themed paragraphs and loads them into a search engine."""
