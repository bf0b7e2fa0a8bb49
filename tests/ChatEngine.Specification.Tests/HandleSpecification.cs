using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.Specification.Tests;

public abstract partial class ChatEngineSpecificationTests
{
    private Task<T> WithHandles<T>(Func<IChatHandleStore, Task<T>> action) => InScopeAsync(action);

    [Fact]
    public async Task Handles_AreGivenOnce_FreeIgnoringCase_WithASuffixWhenTaken()
    {
        var first = await WithHandles(h => h.GetOrCreateHandlesAsync(new Dictionary<long, string> { [Alice] = "ann", [Bob] = "Ann" }, default));
        var again = await WithHandles(h => h.GetOrCreateHandlesAsync(new Dictionary<long, string> { [Alice] = "other", [Carol] = "ann" }, default));

        Assert.Equal(["Ann2", "ann"], first.Values.Order(StringComparer.Ordinal)); // One of them waits for a suffix.
        Assert.Equal(first[Alice], again[Alice]); // Kept, whatever is proposed later.
        Assert.Equal("ann3", again[Carol]);

        var owners = await WithHandles(h => h.FindUserIdsAsync(["ANN", "ann3", "nobody"], default));
        Assert.Equal(new Dictionary<string, long> { ["ANN"] = first.Single(p => p.Value == "ann").Key, ["ann3"] = Carol }, owners);

        var found = await WithHandles(h => h.SearchAsync("AN", 2, default));
        Assert.Equal(["ann", "Ann2"], found.Select(f => f.Handle));
    }

    [Fact]
    public async Task Handles_GivenAtOnce_NeverCollide()
    {
        var users = Enumerable.Range(1, 5).Select(i => (long)(1000 + i)).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
            WithHandles(h => h.GetOrCreateHandlesAsync(users.ToDictionary(u => u, _ => "same"), default)))));

        Assert.All(users, user => Assert.Single(results.Select(r => r[user]).Distinct()));
        Assert.Equal(users.Length, results[0].Values.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }
}
