using ChatEngine.Specification.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.Tests;

public sealed class InMemoryStoreSpecificationTests : ChatEngineSpecificationTests
{
    protected override Task ConfigureStoresAsync(ChatEngineBuilder builder)
    {
        builder.AddInMemoryStores();
        return Task.CompletedTask;
    }
}
