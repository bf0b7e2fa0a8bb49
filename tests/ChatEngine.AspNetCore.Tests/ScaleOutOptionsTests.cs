using ChatEngine.AspNetCore;
using ChatEngine.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>Scale-out settings are checked at start-up, with messages that say what to fix.</summary>
public sealed class ScaleOutOptionsTests
{
    [Fact]
    public void BadSettings_FailWithMessagesNamingTheSetting()
    {
        using var services = Services(o => (o.KeyPrefix, o.PresenceLease) = (" ", TimeSpan.FromMilliseconds(10)));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ChatScaleOutOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("ChatEngine:ScaleOut:KeyPrefix", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("ChatEngine:ScaleOut:PresenceLease must be at least one second", StringComparison.Ordinal));
    }

    [Fact]
    public void Settings_BindFromConfiguration_AndAddingTwiceRegistersOnce()
    {
        using var services = Services(configure: null, ("ChatEngine:ScaleOut:PresenceLease", "00:00:05"));

        Assert.Equal(TimeSpan.FromSeconds(5), services.GetRequiredService<IOptions<ChatScaleOutOptions>>().Value.PresenceLease);
        Assert.Single(services.GetServices<Microsoft.Extensions.Hosting.IHostedService>(), s => s.GetType().Name == "RedisPresenceLeases");
    }

    private static ServiceProvider Services(Action<ChatScaleOutOptions>? configure, params (string Key, string Value)[] settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());
        services.AddLogging();
        // Nothing connects until the hosted services start: these tests never do.
        services.AddChatEngine().AddInMemoryStores().AddRedisScaleOut("127.0.0.1:1", configure).AddRedisScaleOut("127.0.0.1:1");
        return services.BuildServiceProvider();
    }
}
