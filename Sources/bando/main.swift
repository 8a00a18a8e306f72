// bando: the command line. One root command, one file per subcommand.
