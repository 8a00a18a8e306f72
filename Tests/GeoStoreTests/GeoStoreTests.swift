// Tests for GeoStore.
