// Tests for Features.
