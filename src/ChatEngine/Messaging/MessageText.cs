namespace ChatEngine;

/// <summary>The rules of a message's text and client id, the same for a send and an edit.</summary>
internal static class MessageText
{
    /// <summary>
    /// The trimmed text, or the refusal: empty (unless <paramref name="allowEmpty"/>: a message with
    /// files), invisible, too long, or holding what nothing may store.
    /// </summary>
    public static string Validate(string? text, ChatEngineOptions options, bool allowEmpty = false)
    {
        if (text is not null && ChatText.HasForbiddenCharacters(text))
        {
            throw ChatErrors.InvalidText("Message text");
        }

        var trimmed = text?.Trim() ?? string.Empty;
        if (trimmed.Length == 0)
        {
            return allowEmpty ? trimmed : throw EmptyText();
        }

        // Invisible characters are fine inside a message, not as the whole of it.
        if (ChatText.IsInvisible(trimmed))
        {
            throw ChatErrors.InvalidText("Message text");
        }

        if (trimmed.Length > options.MaxMessageLength)
        {
            throw ChatErrors.Validation(ChatErrorCodes.TextTooLong, $"Message text must be at most {options.MaxMessageLength} characters.");
        }

        return trimmed;
    }

    public static ChatException EmptyText() => ChatErrors.Validation(ChatErrorCodes.EmptyText, "Message text must not be empty.");

    /// <summary>The client id (an empty one is none), or the refusal.</summary>
    public static string? ValidateClientId(string? clientId, ChatEngineOptions options)
    {
        if (clientId is { Length: 0 })
        {
            return null;
        }

        if (clientId?.Length > options.MaxClientIdLength)
        {
            throw ChatErrors.Validation(ChatErrorCodes.ClientIdTooLong, $"client_id must be at most {options.MaxClientIdLength} characters.");
        }

        if (clientId is not null && ChatText.HasForbiddenCharacters(clientId))
        {
            throw ChatErrors.InvalidText("client_id");
        }

        return clientId;
    }
}
