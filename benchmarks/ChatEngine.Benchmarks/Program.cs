using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/ChatEngine.Benchmarks -- --filter '*'
// Add --job short for a quicker run, or --job dry for a smoke run that only proves each benchmark works.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
