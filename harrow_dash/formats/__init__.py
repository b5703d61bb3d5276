"""Text and file formats, importing nothing of ours: text shown safely (never as Markdown or
HTML), CSV text, OpenDocument spreadsheets, and cells made safe for a spreadsheet program.
"""
