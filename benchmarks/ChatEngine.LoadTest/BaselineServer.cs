using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace ChatEngine.LoadTest;

/// <summary>
/// The machine's limit: the same WebSocket fan-out with no authentication, no storage and no chat
/// logic. Every frame a client sends goes, as it is, to every connection of the same room. And for
/// uploads, a body written to a file as it arrives (no multipart, no checks, no records), flushed.
/// </summary>
internal static class BaselineServer
{
    public static async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseWebSockets();
        var uploads = Directory.CreateTempSubdirectory("chatengine-baseline-").FullName;
        app.MapPost("/upload", async (HttpContext context) =>
        {
            var path = Path.Combine(uploads, Guid.NewGuid().ToString("N"));
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
            {
                await context.Request.Body.CopyToAsync(file, 1024 * 1024);
                file.Flush(flushToDisk: true);
            }

            File.Delete(path);
            return Results.Ok();
        });
        var rooms = new ConcurrentDictionary<long, ConcurrentDictionary<Connection, byte>>();
        app.Map("/ws/chat/{id:long}/", async (HttpContext context, long id) =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var connection = new Connection(socket);
            var room = rooms.GetOrAdd(id, _ => new ConcurrentDictionary<Connection, byte>());
            room[connection] = 0;
            var writer = connection.RunWriterAsync();
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    var frame = buffer.AsSpan(0, result.Count).ToArray();
                    foreach (var peer in room.Keys)
                    {
                        peer.Queue.Writer.TryWrite(frame);
                    }
                }
            }
            catch (WebSocketException)
            {
            }
            finally
            {
                room.TryRemove(connection, out _);
                connection.Queue.Writer.TryComplete();
                await writer;
            }
        });
        await app.RunAsync();
    }

    private sealed class Connection(WebSocket socket)
    {
        public Channel<byte[]> Queue { get; } = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

        public async Task RunWriterAsync()
        {
            try
            {
                await foreach (var frame in Queue.Reader.ReadAllAsync())
                {
                    await socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
                }
            }
            catch (WebSocketException)
            {
            }
        }
    }
}
