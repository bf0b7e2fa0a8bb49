namespace ChatEngine;

/// <summary>
/// Members' notification settings (<see cref="ChatNotificationSettings"/>): an optional store interface,
/// implemented by the class that implements <see cref="IChatMemberStore"/>, which also fills
/// <see cref="ChatMember.NotifyLevel"/> and <see cref="ChatMember.MutedUntil"/> on the members it reads.
/// </summary>
public interface IChatNotificationStore
{
    /// <summary>Sets a member's chosen settings; false when they are not a member.</summary>
    Task<bool> SetNotificationsAsync(long chatId, long userId, ChatNotificationSettings settings, CancellationToken cancellationToken);
}
