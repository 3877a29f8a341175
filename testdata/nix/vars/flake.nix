{
  description = "corral test fixture: a dev shell that sets variables and a PATH";
  outputs = { self }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      shell = system: derivation {
        name = "corral-fixture-vars";
        inherit system;
        builder = "/bin/bash";
        args = [ "-c" "echo ok > $out" ];
        outputs = [ "out" ];
        FOO = "from-the-flake";
        BAR = "two words";
        PATH = "/usr/local/bin:/usr/bin:/bin";
      };
    in {
      devShells = builtins.listToAttrs (map (system: { name = system; value = { default = shell system; }; }) systems);
    };
}
