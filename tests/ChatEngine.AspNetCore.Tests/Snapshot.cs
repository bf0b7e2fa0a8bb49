using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>
/// Golden files of response shapes: a shape change shows up as a diff to review. Values that change
/// from run to run (ids, times, join codes, presence) are replaced by placeholders that keep their type.
/// Set UPDATE_SNAPSHOTS=1 to rewrite the files in the source tree after reviewing a change.
/// </summary>
public static partial class Snapshot
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Match(string name, JsonNode? actual)
    {
        var normalized = Normalize(actual?.DeepClone())?.ToJsonString(Indented) ?? "null";
        var sourceFile = Path.Combine(SourceFolder(), "Snapshots", name + ".json");
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(sourceFile, normalized + "\n");
            return;
        }

        var expectedFile = Path.Combine(AppContext.BaseDirectory, "Snapshots", name + ".json");
        Assert.True(File.Exists(expectedFile), $"No golden file {name}.json: run the tests with UPDATE_SNAPSHOTS=1 and review it.");
        Assert.Equal(File.ReadAllText(expectedFile).TrimEnd(), normalized);
    }

    private static JsonNode? Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    var placeholder = key switch
                    {
                        "id" or "sender" or "myid" or "chat_id" or "user" or "up_to" or "reply_to" or "pinned_by" when value is JsonValue => "<number>",
                        // Presence depends on when earlier sockets of the test closed, so only its presence is pinned.
                        "is_online" => "<bool>",
                        "lastseen" => "<time or null>",
                        "code" when value is JsonValue v && v.TryGetValue<string>(out var code) && code.Length == 16 => "<join-code>",
                        _ when value is JsonValue v && v.TryGetValue<string>(out var text) && TimePattern().IsMatch(text) => "<time>",
                        _ => null,
                    };
                    if (placeholder is not null)
                    {
                        obj[key] = placeholder;
                    }
                    else
                    {
                        Normalize(value);
                    }
                }

                return obj;
            case JsonArray array:
                foreach (var item in array)
                {
                    Normalize(item);
                }

                return array;
            default:
                return node;
        }
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex TimePattern();

    private static string SourceFolder([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
