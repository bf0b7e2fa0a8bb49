using System.Net.WebSockets;

namespace ChatEngine.AspNetCore;

/// <summary>The raw WebSocket form of a user stream (<c>ws/user/</c>): frames of every chat, and every chat frame the client sends with its <c>chat_id</c>.</summary>
internal sealed class UserSocket(long userId, UserStreams registry, int queueCapacity, TimeProvider time, TimeSpan cursorInterval)
    : UserStream(userId, registry, queueCapacity, holding: true, time, cursorInterval), IChatFrameSink
{
    private readonly TaskCompletionSource<WebSocket> _socket = new(TaskCreationOptions.RunContinuationsAsynchronously);

    long? IChatFrameSink.ChatId => null;

    public void Attach(WebSocket socket) => _socket.TrySetResult(socket);

    /// <summary>Answers for this socket alone (errors, a retried send's message).</summary>
    public void Enqueue(ReadOnlyMemory<byte> frame) => QueueFrame(frame);

    /// <summary>The session ends the stream (the host stopping, or the client gone): a last cursor goes out first.</summary>
    void IChatFrameSink.CompleteSending() => CompleteWithCursor();

    public bool TryHandleOwnFrame(IncomingFrame frame)
    {
        if (frame.Type is not ("watch" or "unwatch"))
        {
            return false;
        }

        // Only followed chats deliver anything, so watching a chat one is not in shows nothing.
        Watch(frame.ChatIds ?? [], frame.Type == "watch");
        return true;
    }

    protected override async ValueTask SendAsync(string eventName, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        var socket = await _socket.Task.ConfigureAwait(false);
        await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes as a signed-out chat socket does (1008, <see cref="ChatSocket.SignedOut"/>), so a client stops rather than reconnects.</summary>
    protected override async Task EndSignedOutAsync() => await ChatSocket.CloseForPolicyAsync(await _socket.Task.ConfigureAwait(false), ChatSocket.SignedOut).ConfigureAwait(false);

    protected override void Abort() =>
        _ = _socket.Task.ContinueWith(t => t.Result.Abort(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
