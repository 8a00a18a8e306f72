// Tests for VietnameseText.
