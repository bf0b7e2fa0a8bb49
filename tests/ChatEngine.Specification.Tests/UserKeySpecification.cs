using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.Specification.Tests;

public abstract partial class ChatEngineSpecificationTests
{
    /// <summary>Runs <paramref name="action"/> on a service of a scope of its own: a fresh store, as each request gets.</summary>
    private async Task<T> InScopeAsync<TService, T>(Func<TService, Task<T>> action)
        where TService : notnull
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<TService>());
    }

    private Task<T> WithUserKeys<T>(Func<ChatUserKeys, ValueTask<T>> action) => InScopeAsync<ChatUserKeys, T>(keys => action(keys).AsTask());

    [Fact]
    public async Task UserKeys_GetDistinctIds_ThatNeverChange_AndMapBack()
    {
        var keys = new[] { "4b3f-alice", "4B3F-ALICE", "bob@example.com", "x" };

        var first = await WithUserKeys(k => k.GetIdsAsync(keys, default));
        var again = await WithUserKeys(k => k.GetIdsAsync(keys.Reverse().ToArray(), default));

        Assert.Equal(4, first.Values.Distinct().Count()); // Keys are exact: case makes another key.
        Assert.All(keys, key => Assert.Equal(first[key], again[key]));
        Assert.Equal(first["x"], await WithUserKeys(k => k.GetIdAsync("x", default)));

        // The store itself, past the process's cache, keeps the same pairs.
        await using var scope = Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IChatUserKeyStore>();
        Assert.Equal(first.OrderBy(p => p.Key), (await store.GetOrCreateIdsAsync(keys, default)).OrderBy(p => p.Key));

        var back = await WithUserKeys(k => k.FindKeysAsync([first["bob@example.com"], first["x"], -7], default));
        Assert.Equal(new Dictionary<long, string> { [first["bob@example.com"]] = "bob@example.com", [first["x"]] = "x" }, back);
    }

    [Fact]
    public async Task UserKeys_SeenAtOnce_AgreeOnOneIdPerKey()
    {
        var keys = Enumerable.Range(0, 5).Select(i => $"racing-{i}").ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => WithUserKeys(k => k.GetIdsAsync(keys, default)))));

        Assert.All(keys, key => Assert.Single(results.Select(r => r[key]).Distinct()));
        Assert.Equal(keys.Length, results[0].Values.Distinct().Count());
    }
}
