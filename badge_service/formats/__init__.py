"""Pure formats and renderers: plain data in, bytes or plain data out (CASE, CSV tables, names,
fonts)."""
