using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Helix.Platform.Bench.SchemaValidation).Assembly).Run(args);
