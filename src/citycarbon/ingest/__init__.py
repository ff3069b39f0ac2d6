"""Data intake: spreadsheet templates, validation reports and all-or-nothing imports."""
