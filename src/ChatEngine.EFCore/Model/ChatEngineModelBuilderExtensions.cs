using ChatEngine.EntityFrameworkCore;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Adds ChatEngine's tables to a model, so a host can keep one DbContext and one migration history.</summary>
public static class ChatEngineModelBuilderExtensions
{
    /// <summary>
    /// Adds ChatEngine's entities (tables prefixed <c>ChatEngine</c>) to the model. Call it from the
    /// host's <c>OnModelCreating</c>, then register the stores with
    /// <c>AddEntityFrameworkStores&lt;TContext&gt;()</c>.
    /// </summary>
    public static ModelBuilder UseChatEngine(this ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        modelBuilder.Entity<ChatEntity>(chat =>
        {
            chat.ToTable(ChatTables.Chats);
            chat.HasKey(c => c.Id);
            chat.Property(c => c.Name).HasMaxLength(200);
            chat.Property(c => c.JoinCode).HasMaxLength(64);
            chat.HasIndex(c => c.JoinCode).IsUnique();
            chat.HasIndex(c => new { c.PairLowUserId, c.PairHighUserId }).IsUnique();
        });

        modelBuilder.Entity<ChatMemberEntity>(member =>
        {
            member.ToTable(ChatTables.Members);
            member.HasKey(m => new { m.ChatId, m.UserId });
            member.HasIndex(m => m.UserId);
            member.HasOne<ChatEntity>().WithMany().HasForeignKey(m => m.ChatId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ChatBarEntity>(bar =>
        {
            bar.ToTable(ChatTables.Bars);
            bar.HasKey(b => new { b.ChatId, b.UserId });
            bar.HasOne<ChatEntity>().WithMany().HasForeignKey(b => b.ChatId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ChatMemberEntity>().Property(m => m.MuteReason).HasMaxLength(global::ChatEngine.GroupService.MaxModerationReasonLength);

        modelBuilder.Entity<BlockEntity>(block =>
        {
            block.ToTable(ChatTables.Blocks);
            // Who a user blocks, and (with the user ids given) whether they block a sender: both by this key.
            block.HasKey(b => new { b.UserId, b.BlockedUserId });
        });

        modelBuilder.Entity<BanEntity>(ban =>
        {
            ban.ToTable(ChatTables.Bans);
            ban.HasKey(b => new { b.ChatId, b.UserId });
            ban.Property(b => b.Reason).HasMaxLength(global::ChatEngine.GroupService.MaxModerationReasonLength);
            ban.HasOne<ChatEntity>().WithMany().HasForeignKey(b => b.ChatId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ReportEntity>(report =>
        {
            report.ToTable(ChatTables.Reports);
            report.HasKey(r => r.Id);
            report.Property(r => r.Note).HasMaxLength(global::ChatEngine.ModerationService.MaxReportNoteLength);
            // One open report per reporter and message; a group's open reports, newest first; a reporter's hourly count.
            report.HasIndex(r => new { r.MessageId, r.ReporterId }).IsUnique();
            report.HasIndex(r => new { r.ChatId, r.Id });
            report.HasIndex(r => new { r.ReporterId, r.At });
            report.HasOne<ChatEntity>().WithMany().HasForeignKey(r => r.ChatId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<MessageEntity>(message =>
        {
            message.ToTable(ChatTables.Messages);
            message.HasKey(m => m.Id);
            message.Property(m => m.ClientId).HasMaxLength(200);
            message.Property(m => m.EditClientId).HasMaxLength(200);
            // A chat's pinned messages are read by this index; it holds pinned messages only, so the
            // send path, whose rows are never pinned, does not maintain it.
            message.HasIndex(m => new { m.ChatId, m.PinnedAt }).HasFilter("\"PinnedAt\" IS NOT NULL");
            // History, catch-up and the chat list's last message are all keyset reads on this index.
            message.HasIndex(m => new { m.ChatId, m.Sequence }).IsUnique();
            // Catch-up reads a chat's messages by their change number.
            message.HasIndex(m => new { m.ChatId, m.Seq }).IsUnique();
            // NULL client ids are distinct on both databases, so only real keys collide.
            message.HasIndex(m => new { m.ChatId, m.SenderId, m.ClientId }).IsUnique();
            // No foreign key to the chat: the chat's row lock keeps them together instead. Every insert
            // holds it (the write loops lock the chats of a batch, and skip those gone) and so does the
            // chat's deletion, which deletes its messages itself. On PostgreSQL the key's check per row
            // was over a quarter of the send path's insert, the statement that costs it most.
        });

        modelBuilder.Entity<ReactionEntity>(reaction =>
        {
            reaction.ToTable(ChatTables.Reactions);
            reaction.HasKey(r => r.Id);
            reaction.Property(r => r.Emoji).HasMaxLength(64);
            // One reaction per user, emoji and message; a message's counts and reactors are read by it.
            reaction.HasIndex(r => new { r.MessageId, r.Emoji, r.UserId }).IsUnique();
            reaction.HasIndex(r => r.ChatId);
            reaction.HasOne<MessageEntity>().WithMany().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AttachmentEntity>(attachment =>
        {
            // No key to the chat: its records are removed, and their files deleted, before the chat is.
            attachment.ToTable(ChatTables.Attachments);
            attachment.HasKey(a => a.Id);
            attachment.Property(a => a.Id).HasMaxLength(32);
            attachment.Property(a => a.Name).HasMaxLength(global::ChatEngine.AttachmentNames.MaxLength);
            attachment.Property(a => a.ContentType).HasMaxLength(128);
            attachment.Property(a => a.ThumbnailType).HasMaxLength(128);
            attachment.HasIndex(a => new { a.MessageId, a.Position });
            attachment.HasIndex(a => a.ChatId);
            // A user's quota and pending count, and the sweep of expired uploads.
            attachment.HasIndex(a => new { a.UploaderId, a.MessageId });
            attachment.HasIndex(a => a.UploadedAt).HasFilter("\"MessageId\" IS NULL");
        });

        modelBuilder.Entity<OutboxEntity>(outbox =>
        {
            outbox.ToTable(ChatTables.Outbox);
            outbox.HasKey(o => o.Id);
            outbox.Property(o => o.Kind).HasMaxLength(32);
            outbox.Property(o => o.DeliveryId).HasMaxLength(64);
            outbox.Property(o => o.Target).HasMaxLength(2048);
            outbox.Property(o => o.LastError).HasMaxLength(1024);
            // Each claim adds one, so an outcome recorded for a claim that a later one replaced updates nothing.
            outbox.Property(o => o.Attempts).IsConcurrencyToken();
            // Workers look for what is due of their kind; the delivery log reads the newest.
            outbox.HasIndex(o => new { o.Kind, o.State, o.DueAt });
            // A chat's pending push, found by the send batch that would schedule another.
            outbox.HasIndex(o => new { o.Kind, o.Target }).HasFilter("\"State\" = 0");
            outbox.HasIndex(o => o.DeliveryId).IsUnique();
        });

        modelBuilder.Entity<PushSubscriptionEntity>(subscription =>
        {
            subscription.ToTable(ChatTables.PushSubscriptions);
            subscription.HasKey(p => p.Id);
            subscription.Property(p => p.Kind).HasMaxLength(16);
            subscription.Property(p => p.Endpoint).HasMaxLength(2000);
            subscription.Property(p => p.P256dh).HasMaxLength(128);
            subscription.Property(p => p.Auth).HasMaxLength(64);
            subscription.Property(p => p.DeviceId).HasMaxLength(200);
            subscription.HasIndex(p => new { p.UserId, p.Endpoint }).IsUnique();
        });

        modelBuilder.Entity<MentionEntity>(mention =>
        {
            mention.ToTable(ChatTables.Mentions);
            mention.HasKey(m => new { m.MessageId, m.UserId });
            // A user's unread mentions in a chat: the rows past their read position.
            mention.HasIndex(m => new { m.UserId, m.ChatId, m.Sequence });
            mention.HasOne<MessageEntity>().WithMany().HasForeignKey(m => m.MessageId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ChangeEntity>(change =>
        {
            change.ToTable(ChatTables.Changes);
            change.HasKey(c => new { c.ChatId, c.Seq });
            change.HasOne<ChatEntity>().WithMany().HasForeignKey(c => c.ChatId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ReadMarkEntity>(mark =>
        {
            mark.ToTable(ChatTables.ReadMarks);
            mark.HasKey(m => m.Id);
            mark.HasIndex(m => new { m.ChatId, m.UpToSequence });
            mark.HasIndex(m => new { m.ChatId, m.UserId, m.UpToSequence }).IsUnique();
            mark.HasOne<ChatEntity>().WithMany().HasForeignKey(m => m.ChatId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<LastSeenEntity>(lastSeen =>
        {
            lastSeen.ToTable(ChatTables.LastSeen);
            lastSeen.HasKey(l => l.UserId);
            lastSeen.Property(l => l.UserId).ValueGeneratedNever();
        });

        modelBuilder.Entity<UserKeyEntity>(userKey =>
        {
            userKey.ToTable(ChatTables.UserKeys);
            userKey.HasKey(k => k.Id);
            userKey.Property(k => k.Key).HasMaxLength(global::ChatEngine.ChatUserKeys.MaxKeyLength);
            userKey.HasIndex(k => k.Key).IsUnique();
        });

        modelBuilder.Entity<HandleEntity>(handle =>
        {
            handle.ToTable(ChatTables.Handles);
            handle.HasKey(h => h.UserId);
            handle.Property(h => h.UserId).ValueGeneratedNever();
            handle.Property(h => h.Handle).HasMaxLength(EntityFrameworkHandleStore<DbContext>.MaxHandleLength);
            handle.Property(h => h.NormalizedHandle).HasMaxLength(EntityFrameworkHandleStore<DbContext>.MaxHandleLength);
            handle.HasIndex(h => h.NormalizedHandle).IsUnique();
        });

        return modelBuilder;
    }
}
