namespace ChatEngine;

/// <summary>
/// One "mark read" action: a member read a chat up to a sequence at a time. Marks form an
/// append-only log, one row per action rather than one per message per reader, from which a
/// message's readers are computed for the page being shown.
/// </summary>
public sealed record ReadMark(long ChatId, long UserId, long UpToSequence, DateTimeOffset ReadAt);
