"""Rich renderables shared by the app and the command line (no Textual here)."""
