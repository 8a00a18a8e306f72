// Ingest: source file -> decoded, reprojected, validated features -> a new dataset version,
// written atomically, with a report. Reads through GDALKit, transforms through ProjKit.
