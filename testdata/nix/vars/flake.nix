{
  description = "corral test fixture: a dev shell that sets variables and a PATH";
  outputs = { self }: {
    devShells.x86_64-linux.default = derivation {
      name = "corral-fixture-vars";
      system = "x86_64-linux";
      builder = "/bin/bash";
      args = [ "-c" "echo ok > $out" ];
      outputs = [ "out" ];
      FOO = "from-the-flake";
      BAR = "two words";
      PATH = "/usr/local/bin:/usr/bin:/bin";
    };
  };
}
