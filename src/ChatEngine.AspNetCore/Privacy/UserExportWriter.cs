using System.IO.Pipelines;
using System.Text.Json;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Writes a user's export (contract v2, section 6) straight to the response: the chats one by one,
/// each with the user's own messages read a page at a time and flushed as they go, so an export of
/// years of messages needs no more memory than a page.
/// </summary>
internal static class UserExportWriter
{
    public static async Task WriteAsync(PipeWriter output, UserDataExport export, ChatUserData data, AttachmentLinks links, CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("user");
        json.WriteNumber("id", export.User.Id);
        json.WriteString("username", export.User.UserName);
        json.WriteEndObject();
        json.WriteString("exported_at", WireTime.Format(export.ExportedAt));

        json.WriteStartArray("chats");
        foreach (var chat in export.Chats)
        {
            json.WriteStartObject();
            json.WriteNumber("id", chat.Chat.Id);
            json.WriteString("kind", chat.Chat.Kind == ChatKind.Group ? "group" : "private");
            json.WriteString("name", chat.Name);
            json.WriteString("role", ChangeFrames.RoleOf(chat.Member.Role));
            json.WriteString("joined_at", WireTime.Format(chat.Member.JoinedAt));
            json.WriteString("notify_level", chat.Member.NotifyLevel is { } level ? NotifyLevels.Name(level) : null);
            json.WriteString("muted_until", WireTime.Format(chat.Member.MutedUntil));
            WriteNumberOrNull(json, "read_up_to", chat.ReadUpTo);
            json.WriteStartArray("messages");
            for (long after = 0; ;)
            {
                var page = await data.GetOwnMessagesAsync(export.User.Id, chat.Chat.Id, after, cancellationToken: cancellationToken);
                foreach (var (message, attachments) in page)
                {
                    WriteMessage(json, message, attachments, links);
                }

                await json.FlushAsync(cancellationToken);
                if (page.Count == 0)
                {
                    break;
                }

                after = page[^1].Message.Id;
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartArray("reactions");
        foreach (var reaction in export.Reactions)
        {
            json.WriteStartObject();
            json.WriteNumber("chat_id", reaction.ChatId);
            json.WriteNumber("message_id", reaction.MessageId);
            json.WriteString("emoji", reaction.Emoji);
            json.WriteString("time", WireTime.Format(reaction.At));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("pins");
        foreach (var pin in export.Pins)
        {
            json.WriteStartObject();
            json.WriteNumber("chat_id", pin.ChatId);
            json.WriteNumber("message_id", pin.Id);
            json.WriteString("time", WireTime.Format(pin.PinnedAt));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("blocks");
        foreach (var block in export.Blocks)
        {
            json.WriteStartObject();
            json.WriteNumber("id", block.User.Id);
            json.WriteString("username", block.User.UserName);
            json.WriteString("time", WireTime.Format(block.At));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("push_subscriptions");
        foreach (var subscription in export.PushSubscriptions)
        {
            json.WriteStartObject();
            json.WriteNumber("id", subscription.Id);
            json.WriteString("kind", subscription.Kind);
            json.WriteString("endpoint_host", Uri.TryCreate(subscription.Endpoint, UriKind.Absolute, out var endpoint) ? endpoint.Host : null);
            json.WriteString("device_id", subscription.DeviceId);
            json.WriteString("created", WireTime.Format(subscription.CreatedAt));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("reports");
        foreach (var report in export.Reports)
        {
            json.WriteStartObject();
            json.WriteNumber("id", report.Id);
            json.WriteNumber("chat_id", report.ChatId);
            json.WriteNumber("message_id", report.MessageId);
            json.WriteString("reason", ReportResponse.ReasonName(report.Reason));
            json.WriteString("note", report.Note);
            json.WriteString("time", WireTime.Format(report.At));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken);
    }

    private static void WriteMessage(Utf8JsonWriter json, ChatMessage message, IReadOnlyList<ChatAttachment> attachments, AttachmentLinks links)
    {
        json.WriteStartObject();
        json.WriteNumber("id", message.Id);
        json.WriteString("time", WireTime.Format(message.SentAt));
        json.WriteString("text", message.Text);
        json.WriteString("edited_at", WireTime.Format(message.EditedAt));
        json.WriteBoolean("deleted", message.IsDeleted);
        WriteNumberOrNull(json, "reply_to", message.ReplyToId);
        json.WriteStartArray("mentions");
        foreach (var mentioned in message.MentionIds)
        {
            json.WriteNumberValue(mentioned);
        }

        json.WriteEndArray();
        json.WriteStartArray("attachments");
        foreach (var attachment in attachments)
        {
            json.WriteStartObject();
            json.WriteString("id", attachment.Id);
            json.WriteString("name", attachment.Name);
            json.WriteString("type", attachment.ContentType);
            json.WriteNumber("size", attachment.Size);
            json.WriteString("url", links.Content(attachment));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
