// Tests for Tiles.
