// VietnameseText: decoding of Vietnamese text in the encodings agencies still use (TCVN3/ABC,
// VNI-Windows, Windows-1258, UTF-8), detection of which one a byte string is in, and NFC output.
// Pure Swift over Foundation; it knows nothing of files, DBF or GDAL.
