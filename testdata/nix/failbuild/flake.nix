{
  description = "corral test fixture: a dev shell whose builder fails";
  outputs = { self }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      # nix develop does not run a dev shell's own builder; it builds the
      # shell's stdenv and sources its setup. This stdenv's builder fails.
      shell = system: derivation {
        name = "corral-fixture-failbuild";
        inherit system;
        builder = "/bin/bash";
        args = [ "-c" "echo ok > $out" ];
        outputs = [ "out" ];
        stdenv = derivation {
          name = "corral-fixture-failing-stdenv";
          inherit system;
          builder = "/bin/bash";
          args = [ "-c" "echo corral-fixture-builder-failed >&2; exit 3" ];
          outputs = [ "out" ];
        };
      };
    in {
      devShells = builtins.listToAttrs (map (system: { name = system; value = { default = shell system; }; }) systems);
    };
}
