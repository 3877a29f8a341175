{
  description = "corral test fixture: a flake that does not parse";
  outputs = { self }: {
    devShells.x86_64-linux.default = derivation {
      name = "corral-fixture-syntax"
      system = "x86_64-linux";
    };
  };
}
