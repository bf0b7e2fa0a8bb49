using ChatEngine;
using Microsoft.EntityFrameworkCore;
using ReferenceHost.Data;

namespace ReferenceHost.Accounts;

/// <summary>ChatEngine reads the host's Identity accounts as its users: nothing is copied.</summary>
internal sealed class IdentityChatUserDirectory(IServiceProvider services) : IChatUserDirectory
{
    private ReferenceHostDbContext? _db;

    // The context is taken when a lookup runs, not when a service using the directory is made: a
    // send from a socket (whose sender is known) then rents no pooled context.
    private IQueryable<ChatAccount> Accounts => (_db ??= services.GetRequiredService<ReferenceHostDbContext>()).Users.AsNoTracking();

    public async Task<ChatUser?> FindByIdAsync(long userId, CancellationToken cancellationToken) =>
        ToChatUser(await Accounts.FirstOrDefaultAsync(a => a.Id == userId, cancellationToken));

    public async Task<ChatUser?> FindByUserNameAsync(string userName, CancellationToken cancellationToken)
    {
        var normalized = userName.ToUpperInvariant();
        return ToChatUser(await Accounts.FirstOrDefaultAsync(a => a.NormalizedUserName == normalized, cancellationToken));
    }

    public async Task<IReadOnlyDictionary<long, ChatUser>> GetByIdsAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        var ids = userIds.ToArray();
        var accounts = await Accounts.Where(a => ids.Contains(a.Id)).ToListAsync(cancellationToken);
        return accounts.ToDictionary(a => a.Id, a => ToChatUser(a)!);
    }

    public async Task<IReadOnlyList<ChatUser>> GetByUserNamesAsync(IReadOnlyCollection<string> userNames, CancellationToken cancellationToken)
    {
        var normalized = userNames.Select(n => n.ToUpperInvariant()).ToArray();
        var accounts = await Accounts.Where(a => normalized.Contains(a.NormalizedUserName!)).ToListAsync(cancellationToken);
        return accounts.Select(a => ToChatUser(a)!).ToArray();
    }

    public async Task<IReadOnlyList<ChatUser>> SearchAsync(string term, long excludedUserId, int limit, CancellationToken cancellationToken)
    {
        // Identity keeps an upper-cased copy of every user name: a case-insensitive match on both databases.
        var normalized = term.ToUpperInvariant();
        var accounts = await Accounts
            .Where(a => a.Id != excludedUserId && a.NormalizedUserName!.Contains(normalized))
            .OrderBy(a => a.NormalizedUserName)
            .Take(limit)
            .ToListAsync(cancellationToken);
        return accounts.Select(a => ToChatUser(a)!).ToArray();
    }

    private static ChatUser? ToChatUser(ChatAccount? account) =>
        account is null ? null : new ChatUser(account.Id, account.UserName!, DisplayName(account));

    private static string? DisplayName(ChatAccount account) =>
        string.Join(' ', new[] { account.FirstName, account.LastName }.Where(n => !string.IsNullOrWhiteSpace(n))) is { Length: > 0 } name ? name : null;
}
