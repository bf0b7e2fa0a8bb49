using BenchmarkDotNet.Attributes;

namespace ChatEngine.Benchmarks;

/// <summary>
/// What each send pays to put its text in the search index's form (<see cref="ChatSearchText.Normalize"/>),
/// on the sender's thread before the write loop: a sentence of <see cref="ChatWords"/>, one with
/// accents, and one in Japanese (a word per character).
/// </summary>
[MemoryDiagnoser]
public class SearchTextBenchmarks
{
    private readonly string _plain = ChatWords.Sentence(new Random(42));

    [Benchmark(Baseline = true)]
    public string Plain() => ChatSearchText.Normalize(_plain);

    [Benchmark]
    public string Accented() => ChatSearchText.Normalize("Où est passée la crème brûlée, Hélène ? À côté du gâteau !");

    [Benchmark]
    public string Japanese() => ChatSearchText.Normalize("明日の会議は午後三時からです。よろしくお願いします。");
}
