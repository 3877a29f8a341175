{
  description = "corral tests: an offline stand-in for nixpkgs. nix develop looks up nixpkgs#bashInteractive for its shell and, when that fails, prints an error line into the program's stderr; this gives it the host's bash.";
  outputs = { self }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      bash = system: derivation {
        name = "bash-interactive-host";
        inherit system;
        builder = "/bin/bash";
        args = [ "-c" "/bin/mkdir -p $out/bin && /bin/ln -s /bin/bash $out/bin/bash" ];
        outputs = [ "out" ];
      };
    in {
      legacyPackages = builtins.listToAttrs (map (system: { name = system; value = { bashInteractive = bash system; }; }) systems);
    };
}
