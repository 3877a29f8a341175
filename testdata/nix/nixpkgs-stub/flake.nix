{
  description = "corral tests: an offline stand-in for nixpkgs. nix develop looks up nixpkgs#bashInteractive for its shell and, when that fails, prints an error line into the program's stderr; this gives it the host's bash.";
  outputs = { self }: {
    legacyPackages.x86_64-linux.bashInteractive = derivation {
      name = "bash-interactive-host";
      system = "x86_64-linux";
      builder = "/bin/bash";
      args = [ "-c" "/bin/mkdir -p $out/bin && /bin/ln -s /bin/bash $out/bin/bash" ];
      outputs = [ "out" ];
    };
  };
}
