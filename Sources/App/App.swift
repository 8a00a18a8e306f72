// App: the only importer of Hummingbird. Builds the application from a configuration and
// maps every module to routes; maps module errors to HTTP status and safe messages.
