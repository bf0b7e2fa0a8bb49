using System.Buffers.Text;
using System.Text.Json;

namespace ChatEngine.LoadTest;

/// <summary>
/// What the generator needs of a frame it received: its type, and for a message the sender's index
/// and number from its client id ("index-number") and its id, read without building the document or a string.
/// </summary>
internal readonly record struct ReceivedFrame(int Type, int Sender, int Number, string? ErrorCode, long Id = 0)
{
    public const int Other = 0;
    public const int Message = 1;
    public const int Error = 2;

    public static ReceivedFrame Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return default;
        }

        int type = Other, sender = -1, number = -1;
        long id = 0;
        string? code = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.ValueTextEquals("message"u8) ? Message : reader.ValueTextEquals("error"u8) ? Error : Other;
            }
            else if (reader.ValueTextEquals("client_id"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
                {
                    (sender, number) = ClientId(reader.ValueSpan);
                }
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : 0;
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                code = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return type == Message && sender < 0 ? default : new ReceivedFrame(type, sender, number, code, id);
    }

    /// <summary>The two numbers of a client id the generator made, or (-1, -1) for any other.</summary>
    private static (int Sender, int Number) ClientId(ReadOnlySpan<byte> id)
    {
        var dash = id.IndexOf((byte)'-');
        return dash > 0
            && Utf8Parser.TryParse(id[..dash], out int sender, out var senderLength) && senderLength == dash
            && Utf8Parser.TryParse(id[(dash + 1)..], out int number, out var numberLength) && numberLength == id.Length - dash - 1
            ? (sender, number)
            : (-1, -1);
    }
}
