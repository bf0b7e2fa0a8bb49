namespace ChatEngine;

/// <summary>
/// The numbered change log of every chat: an optional store interface, implemented by the class
/// that implements <see cref="IChatStore"/> (as ASP.NET Core Identity's optional store interfaces sit
/// beside <c>IUserStore</c>), so the store contract grows without breaking stores written for the
/// first one. A store that implements it keeps these promises:
/// <list type="bullet">
/// <item>Each chat has one counter, <see cref="Chat.Seq"/>, from which every change takes the next
/// number (1, 2, 3…, gapless and never reused) in the transaction that commits it: each new message
/// (<see cref="ChatMessage.Seq"/>, taken by <see cref="IMessageStore.AppendAsync"/> or the store's own
/// batch writer) and each change appended here.</item>
/// <item>Creating a chat (<see cref="IChatStore.CreateGroupAsync"/>,
/// <see cref="IChatStore.GetOrCreatePrivateChatAsync"/>) logs change 1: a
/// <see cref="ChatChangeKind.MemberAdded"/> of the first members, by the group's owner (nobody, for a
/// private chat).</item>
/// <item><see cref="IChatStore.DeleteAsync"/> deletes the chat's log with it.</item>
/// </list>
/// Without it the engine still works: messages are numbered by their <see cref="ChatMessage.Sequence"/>,
/// membership changes are delivered live without a number, and catch-up replays messages only.
/// </summary>
public interface IChatChangeLog
{
    /// <summary>
    /// Takes the chat's next number for <paramref name="change"/> and stores it. Called inside the
    /// chat's unit of work (<see cref="IChatUnitOfWork"/>), so the change and its number commit together
    /// with the rows they describe. User names are not stored (the engine reads them when replaying).
    /// </summary>
    /// <returns>The change's number; 0 if the chat does not exist.</returns>
    Task<long> AppendAsync(ChatChange change, CancellationToken cancellationToken);

    /// <summary>
    /// The first <paramref name="limit"/> changes of the chat numbered after <paramref name="afterSeq"/>, in
    /// number order: each new message as it is now, and each other change as it was logged.
    /// </summary>
    Task<IReadOnlyList<ChatLogEntry>> GetAfterAsync(long chatId, long afterSeq, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Each member's newest read mark, if it was made at or after <paramref name="since"/>, with the id of
    /// the message it reaches: read state is not numbered, so catch-up sends it as it is now.
    /// </summary>
    Task<IReadOnlyList<ReadPosition>> GetReadPositionsSinceAsync(long chatId, DateTimeOffset since, CancellationToken cancellationToken);
}

/// <summary>How far a member has read a chat, and when they got there.</summary>
/// <param name="UserId">The member.</param>
/// <param name="UpToMessageId">The newest message they read.</param>
/// <param name="UpToSequence">Its sequence.</param>
/// <param name="ReadAt">When they read it.</param>
public sealed record ReadPosition(long UserId, long UpToMessageId, long UpToSequence, DateTimeOffset ReadAt);
