using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.AspNetCore;

/// <summary>
/// What one live connection knows of its user: the id it authenticated with, and the user itself
/// once looked up (so sends and typing do not look it up again).
/// </summary>
internal sealed class ChatConnectionUser(long userId)
{
    public long UserId { get; } = userId;

    public ChatUser? Known { get; set; }

    public async ValueTask<ChatUser> RequireAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        Known ??= await services.GetRequiredService<IChatUserDirectory>().FindByIdAsync(UserId, cancellationToken).ConfigureAwait(false)
            ?? throw new ChatException(ChatErrorKind.NotFound, ChatErrorCodes.UserNotFound, "User not found.");
}

/// <summary>
/// The commands of a live connection, once for every transport: the raw WebSocket session and the
/// SignalR hub only turn frames and calls into these, and errors back into frames and hub errors.
/// Each command checks its own limit here: sends take a token from the user's send bucket (shared
/// by all their connections), typing passes the per-user-and-chat gate.
/// </summary>
internal sealed class ChatConnectionCommands(SendRateLimiter sendLimit, TypingGate typingGate, AttachmentLinks links)
{
    /// <summary>How this app's frames and answers link to attachments.</summary>
    public AttachmentLinks Links => links;

    /// <summary>
    /// Checks a send (rate, text, sender) and returns it ready to commit: a transport that does not
    /// await each commit before checking the next send keeps its sends in order (pipelining).
    /// </summary>
    public async Task<PreparedSend> PrepareSendAsync(IServiceProvider services, ChatConnectionUser user, long chatId, MessageContent content, CancellationToken cancellationToken)
    {
        TakeSendToken(user);
        var prepared = await services.GetRequiredService<MessagingService>()
            .PrepareSendAsync(user.UserId, chatId, content, user.Known, cancellationToken).ConfigureAwait(false);
        user.Known = prepared.Sender;
        return prepared;
    }

    /// <summary>Sends and waits for the commit: the first message, for a repeated client id.</summary>
    public async Task<SentMessage> SendAsync(IServiceProvider services, ChatConnectionUser user, long chatId, MessageContent content, CancellationToken cancellationToken)
    {
        var prepared = await PrepareSendAsync(services, user, chatId, content, cancellationToken).ConfigureAwait(false);
        return await services.GetRequiredService<MessagingService>().CommitAsync(prepared, cancellationToken).ConfigureAwait(false);
    }

    // Changes to messages take from the same bucket as sends: each is a write every member hears of.

    public Task<MessageEdit> EditAsync(IServiceProvider services, ChatConnectionUser user, long chatId, long messageId, string? text, string? clientId, CancellationToken cancellationToken)
    {
        TakeSendToken(user);
        return services.GetRequiredService<MessageChangeService>().EditAsync(user.UserId, chatId, messageId, text, clientId, cancellationToken);
    }

    public Task<bool> DeleteAsync(IServiceProvider services, ChatConnectionUser user, long chatId, long messageId, CancellationToken cancellationToken)
    {
        TakeSendToken(user);
        return services.GetRequiredService<MessageChangeService>().DeleteAsync(user.UserId, chatId, messageId, cancellationToken);
    }

    public Task<MessageReactionResult> ReactAsync(IServiceProvider services, ChatConnectionUser user, long chatId, long messageId, string? emoji, bool on, CancellationToken cancellationToken)
    {
        TakeSendToken(user);
        return services.GetRequiredService<MessageChangeService>().ReactAsync(user.UserId, chatId, messageId, emoji, on, cancellationToken);
    }

    public Task<bool> PinAsync(IServiceProvider services, ChatConnectionUser user, long chatId, long messageId, bool pinned, CancellationToken cancellationToken)
    {
        TakeSendToken(user);
        return services.GetRequiredService<MessageChangeService>().PinAsync(user.UserId, chatId, messageId, pinned, cancellationToken);
    }

    private void TakeSendToken(ChatConnectionUser user)
    {
        if (!sendLimit.TryAcquire(user.UserId))
        {
            throw SendRateLimiter.RateLimited();
        }
    }

    public async Task<bool> MarkReadAsync(IServiceProvider services, ChatConnectionUser user, long chatId, long upTo, CancellationToken cancellationToken)
    {
        var reader = await user.RequireAsync(services, cancellationToken).ConfigureAwait(false);
        return await services.GetRequiredService<MessagingService>().MarkReadByAsync(reader, chatId, upTo, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells the chat the user is typing: a non-member is refused; past that, at most one per interval goes out.</summary>
    public async Task TypingAsync(IServiceProvider services, ChatConnectionUser user, long chatId, CancellationToken cancellationToken)
    {
        var typist = await user.RequireAsync(services, cancellationToken).ConfigureAwait(false);
        await services.GetRequiredService<MessagingService>()
            .NotifyTypingByAsync(typist, chatId, () => typingGate.TryPass(typist.Id, chatId), cancellationToken).ConfigureAwait(false);
    }
}
