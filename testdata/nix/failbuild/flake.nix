{
  description = "corral test fixture: a dev shell whose builder fails";
  outputs = { self }: {
    # nix develop does not run a dev shell's own builder; it builds the
    # shell's stdenv and sources its setup. This stdenv's builder fails.
    devShells.x86_64-linux.default = derivation {
      name = "corral-fixture-failbuild";
      system = "x86_64-linux";
      builder = "/bin/bash";
      args = [ "-c" "echo ok > $out" ];
      outputs = [ "out" ];
      stdenv = derivation {
        name = "corral-fixture-failing-stdenv";
        system = "x86_64-linux";
        builder = "/bin/bash";
        args = [ "-c" "echo corral-fixture-builder-failed >&2; exit 3" ];
        outputs = [ "out" ];
      };
    };
  };
}
