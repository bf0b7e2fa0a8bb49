namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// The statements of one group-commit batch (its sends and read marks), in its transaction, as one database runs them best:
/// <see cref="SqliteSendStatements"/> prepared once per connection and run once per row,
/// <see cref="PostgreSqlSendStatements"/> each statement for the whole batch, in as few round trips as it can.
/// They are synchronous: they run on the write loop's own thread, which they may block.
/// </summary>
internal interface ISendStatements
{
    /// <summary>
    /// What admitting the batch's sends reads, in one go, first of the batch's statements: which (chat, sender) pairs are memberships,
    /// with what may refuse the sender (an admin's mute; in a private chat, the other member gone
    /// (erased) or a block between the pair); and the stored messages whose (chat, sender, client id)
    /// a send repeats.
    /// </summary>
    (Dictionary<(long ChatId, long UserId), SenderStanding> Members, Dictionary<(long, long, string), ChatMessage> Repeated) FindStanding(SendBatchPlan plan);

    /// <summary>
    /// Raises each chat's last sequence and last change number by its number of sends and returns the
    /// new values (a chat that is gone is missing); the chats' rows hold them once
    /// <see cref="InsertMessages"/> has returned. Writers of one chat are serialized until commit (by
    /// the row locks, or SQLite's single writer), which keeps sequences gapless without blocking other chats.
    /// </summary>
    Dictionary<long, ReservedNumbers> ReserveSequences(IReadOnlyDictionary<long, int> needed);

    /// <summary>
    /// Inserts the rows and sets their ids, with what goes with them: their search index, the rows
    /// that index who they mention, and each sender's read position moved up to their last message.
    /// </summary>
    void InsertMessages(IReadOnlyCollection<MessageEntity> messages);

    /// <summary>
    /// Moves each mark's member's read position and logs the mark, in the order given, as
    /// <see cref="IChatMemberStore.MarkReadAsync"/> promises for one: only a mark beyond the member's
    /// last logged one moves. Returns which moved.
    /// </summary>
    bool[] MarkRead(IReadOnlyList<PendingReadMark> marks);
}
