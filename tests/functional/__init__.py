"""The app in-process through WebTest, on the shared test database (marker ``functional``)."""
