// Tests for GDALKit.
