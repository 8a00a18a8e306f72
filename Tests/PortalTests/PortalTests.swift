// Tests for Portal.
