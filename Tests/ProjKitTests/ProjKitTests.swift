// Tests for ProjKit.
