using System.Security.Cryptography;
using Azure.Storage.Blobs;
using ChatEngine.Azure;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>What every <see cref="IAttachmentStore"/> must do; each store's class derives from it and runs it unchanged.</summary>
public abstract class AttachmentStoreSpecification : IAsyncLifetime
{
    protected IAttachmentStore Store { get; private set; } = null!;

    protected abstract Task<IAttachmentStore> CreateStoreAsync();

    protected virtual Task DisposeStoreAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public Task DisposeAsync() => DisposeStoreAsync();

    [Fact]
    public async Task AStreamWrittenInPieces_ReadsBackWhole_AndSeeksForRanges()
    {
        var bytes = RandomNumberGenerator.GetBytes(9 * 1024 * 1024 + 17);
        var written = await Store.WriteAsync("7/piecewise", new TrickleStream(bytes), CancellationToken.None);
        Assert.Equal(bytes.Length, written);

        await using var read = (await Store.OpenReadAsync("7/piecewise", CancellationToken.None))!;
        Assert.True(read.CanSeek);
        Assert.Equal(bytes.Length, read.Length);
        read.Seek(5 * 1024 * 1024, SeekOrigin.Begin);
        var slice = new byte[1000];
        await read.ReadExactlyAsync(slice);
        Assert.Equal(bytes.AsSpan(5 * 1024 * 1024, 1000).ToArray(), slice);

        read.Seek(0, SeekOrigin.Begin);
        using var whole = new MemoryStream();
        await read.CopyToAsync(whole);
        Assert.Equal(bytes, whole.ToArray());
    }

    [Fact]
    public async Task AWriteThatFailsHalfWay_LeavesNothing_AndAMissingKeyIsNull()
    {
        await Assert.ThrowsAsync<IOException>(() => Store.WriteAsync("7/broken", new TrickleStream(new byte[6 * 1024 * 1024], failAfter: 5 * 1024 * 1024), CancellationToken.None));
        Assert.Null(await Store.OpenReadAsync("7/broken", CancellationToken.None));
        Assert.Null(await Store.OpenReadAsync("8/never-written", CancellationToken.None));
    }

    [Fact]
    public async Task AKey_CanBeReplaced_AndDeleted_AndDeletingTwiceIsFine()
    {
        await Store.WriteAsync("9/file.thumb", new MemoryStream([1, 2, 3]), CancellationToken.None);
        await Store.WriteAsync("9/file.thumb", new MemoryStream([4, 5]), CancellationToken.None);
        await using (var read = (await Store.OpenReadAsync("9/file.thumb", CancellationToken.None))!)
        {
            using var copy = new MemoryStream();
            await read.CopyToAsync(copy);
            Assert.Equal([4, 5], copy.ToArray());
        }

        await Store.DeleteAsync("9/file.thumb", CancellationToken.None);
        await Store.DeleteAsync("9/file.thumb", CancellationToken.None);
        Assert.Null(await Store.OpenReadAsync("9/file.thumb", CancellationToken.None));
    }

    /// <summary>An upload as a network gives it: small reads, no length, no seeking; optionally failing part-way.</summary>
    private sealed class TrickleStream(byte[] bytes, int failAfter = int.MaxValue) : Stream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter)
            {
                throw new IOException("The client went away.");
            }

            var read = Math.Min(Math.Min(count, 64 * 1024 + 3), bytes.Length - _position);
            bytes.AsSpan(_position, read).CopyTo(buffer.AsSpan(offset));
            _position += read;
            return read;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

public sealed class FileSystemAttachmentStoreTests : AttachmentStoreSpecification
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatengine-files-").FullName;

    protected override Task<IAttachmentStore> CreateStoreAsync() => Task.FromResult<IAttachmentStore>(new FileSystemAttachmentStore(_folder));

    protected override Task DisposeStoreAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task KeysThatCouldLeaveTheFolder_AreRefused()
    {
        foreach (var key in new[] { "../outside", "/etc/passwd", "7/../../x", "7\\x", "" })
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.WriteAsync(key, new MemoryStream([1]), CancellationToken.None));
        }
    }
}

/// <summary>Azure Blob Storage, against Azurite (started by scripts/test.sh): a container per test class.</summary>
public sealed class AzureBlobAttachmentStoreTests : AttachmentStoreSpecification
{
    private readonly BlobContainerClient _container = Azurite.NewContainer();

    protected override Task<IAttachmentStore> CreateStoreAsync() => Task.FromResult<IAttachmentStore>(new AzureBlobAttachmentStore(_container));

    protected override Task DisposeStoreAsync() => _container.DeleteIfExistsAsync();
}

/// <summary>The whole path of an image, from upload to the other member's download, with its bytes in Azurite.</summary>
public sealed class AzureAttachmentTransportTests
{
    [Fact]
    public async Task AnImageSentWhileTheOtherMemberIsAway_IsThereWhenTheyComeBack_FromAzureBlobStorage()
    {
        var container = Azurite.NewContainer();
        try
        {
            await using var server = await ChatServer.StartAsync(engine: e => e.AddAzureBlobAttachments(container));
            await AttachmentTransportTests.ImageReachesAnOfflineMemberAsync(server);
            var blobs = new List<string>();
            await foreach (var blob in container.GetBlobsAsync())
            {
                blobs.Add(blob.Name);
            }

            Assert.Equal(2, blobs.Count); // The photo and its thumbnail.
            Assert.False(Directory.Exists(server.AttachmentFolder)); // Nothing went to disk.
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }
}

internal static class Azurite
{
    /// <summary>
    /// A new container in the Azurite that scripts/test.sh starts (ConnectionStrings__AzuriteTests). Without
    /// it the tests fail: a missing service is never a silent skip.
    /// </summary>
    public static BlobContainerClient NewContainer()
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__AzuriteTests")
            ?? throw new InvalidOperationException("Azure Blob Storage tests need ConnectionStrings__AzuriteTests. Run scripts/test.sh, which starts Azurite and exports it.");
        return new BlobContainerClient(connectionString, "test-" + Guid.NewGuid().ToString("N"));
    }
}

/// <summary>Where attachments go when the app says nothing, web host or not.</summary>
public sealed class DefaultAttachmentStoreTests
{
    [Fact]
    public async Task WithoutAWebHost_AddChatEngineStillSends_AndKeepsFilesUnderTheWorkingDirectory_CreatedOnlyWhenAFileComes()
    {
        var users = new ChatEngine.InMemory.InMemoryChatUserDirectory();
        users.Add(new ChatUser(1, "alice"));
        users.Add(new ChatUser(2, "bob"));
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        services.AddChatEngine().AddInMemoryStores().AddUserDirectory(users);
        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();

        var store = Assert.IsType<FileSystemAttachmentStore>(scope.ServiceProvider.GetRequiredService<IAttachmentStore>());
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "App_Data", "attachments"), store.Root);
        var chat = await scope.ServiceProvider.GetRequiredService<ChatService>().StartPrivateChatAsync(1, "bob");
        var sent = await scope.ServiceProvider.GetRequiredService<MessagingService>().SendAsync(1, chat.Chat.ChatId, "no web host here");
        Assert.True(sent.Created);
        Assert.False(Directory.Exists(store.Root) && Directory.EnumerateFileSystemEntries(store.Root).Any());
    }
}
