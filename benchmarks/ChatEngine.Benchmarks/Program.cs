using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/ChatEngine.Benchmarks -- --filter '*'
// Add --job short for a quicker run, or --job Dry --inProcess for the smoke run CI does, which only
// proves each benchmark still works. PostgreSQL benchmarks need ConnectionStrings__PostgreSqlTests.
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
