using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SkiaSharp;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>Stored attachments over HTTP, the WebSocket and the hub, with the file system store and SkiaSharp thumbnails.</summary>
public sealed class AttachmentTransportTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    [Fact]
    public async Task AnImageSentWhileTheOtherMemberIsAway_IsThereWhenTheyComeBack_WithItsThumbnail() =>
        await ImageReachesAnOfflineMemberAsync(Server);

    /// <summary>The whole path once: upload, send, and the other member reading history, the file and its thumbnail later.</summary>
    internal static async Task ImageReachesAnOfflineMemberAsync(ChatServer server)
    {
        var chatId = await server.StartChatAsync(Alice, "bob");
        using var alice = server.Client(Alice);
        using var bob = server.Client(Bob);
        var photo = TestImages.Jpeg(1600, 1200);

        var upload = await UploadAsync(alice, chatId, photo, "holiday.jpg", "application/octet-stream");
        Assert.Equal(("holiday.jpg", "image/jpeg", (long)photo.Length, 1600, 1200), ((string?)upload["name"], (string?)upload["type"], (long)upload["size"]!, (int)upload["width"]!, (int)upload["height"]!));
        var url = (string)upload["url"]!;
        Assert.Equal($"/chat/{chatId}/attachments/{upload["id"]}", url);
        Assert.Equal(url + "/thumb", (string?)upload["thumb_url"]);
        Assert.True(DateTimeOffset.Parse((string)upload["expires"]!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);

        // Pending: its uploader sees it, nobody else yet.
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync(url)).StatusCode);
        await AssertProblemAsync(await bob.GetAsync(url), HttpStatusCode.NotFound, "attachment_not_found");

        using var sent = await alice.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "", attachments = new[] { (string)upload["id"]! } });
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var message = (await sent.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(url, (string?)message["attachments"]![0]!["url"]);

        // Bob comes back: the page, the change log and the file itself.
        var page = (await bob.GetFromJsonAsync<JsonObject>($"/chat/{chatId}"))!;
        var shown = page["messages"]!.AsArray().Single(m => (long)m!["id"]! == (long)message["id"]!)!;
        var attachment = shown["attachments"]![0]!;
        Assert.Equal(("holiday.jpg", "image/jpeg", url, 1600), ((string?)attachment["name"], (string?)attachment["type"], (string?)attachment["url"], (int)attachment["width"]!));
        var changes = (await bob.GetFromJsonAsync<JsonObject>($"/chat/{chatId}/changes?after_seq=0"))!;
        Assert.Equal(url, (string?)changes["events"]!.AsArray().Single(c => (string?)c!["type"] == "message")!["attachments"]![0]!["url"]);

        using var download = await bob.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(photo, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/jpeg", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("inline", download.Content.Headers.ContentDisposition!.DispositionType);

        using var thumb = await bob.GetAsync(url + "/thumb");
        Assert.Equal(HttpStatusCode.OK, thumb.StatusCode);
        using var decoded = SKBitmap.Decode(await thumb.Content.ReadAsByteArrayAsync());
        Assert.Equal((320, 240), (decoded.Width, decoded.Height));
        Assert.Equal("nosniff", thumb.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Downloads_AreForMembersOnly_AndTheChatMustBeTheAttachments()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        var otherChat = await Server.StartChatAsync(Alice, "carol");
        using var alice = Server.Client(Alice);
        var upload = await UploadAsync(alice, chatId, Encoding.UTF8.GetBytes("minutes"), "minutes.txt", "text/plain");
        await alice.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "the minutes", attachments = new[] { (string)upload["id"]! } });

        using var carol = Server.Client(Carol);
        await AssertProblemAsync(await carol.GetAsync((string)upload["url"]!), HttpStatusCode.NotFound, "chat_not_found");
        await AssertProblemAsync(await carol.GetAsync($"/chat/{otherChat}/attachments/{upload["id"]}"), HttpStatusCode.NotFound, "attachment_not_found");
        await AssertProblemAsync(await alice.GetAsync($"/chat/{chatId}/attachments/..%2F..%2Fchat.db"), HttpStatusCode.NotFound, "attachment_not_found");
        await AssertProblemAsync(await UploadResponseAsync(carol, chatId, Encoding.UTF8.GetBytes("x"), "x.txt", "text/plain"), HttpStatusCode.NotFound, "chat_not_found");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Client().GetAsync((string)upload["url"]!)).StatusCode);
    }

    [Fact]
    public async Task UploadedHtmlOrSvg_IsServedAsADownloadThatNoBrowserRuns_WithRangesAndCaching()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var alice = Server.Client(Alice);
        var html = Encoding.UTF8.GetBytes("<html><body><script>alert(document.cookie)</script>Hello</body></html>");
        var upload = await UploadAsync(alice, chatId, html, "\u202Egpj.html", "text/html");
        Assert.Equal(("gpj.html", "application/octet-stream"), ((string?)upload["name"], (string?)upload["type"]));
        Assert.Null(upload["thumb_url"]);
        var svg = await UploadAsync(alice, chatId, Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"), "logo.svg", "image/svg+xml");
        Assert.Equal("application/octet-stream", (string?)svg["type"]);
        var pdf = await UploadAsync(alice, chatId, Encoding.ASCII.GetBytes("%PDF-1.7\n%…"), "Prüfbericht \"Q3\".pdf", "text/plain");
        Assert.Equal("application/pdf", (string?)pdf["type"]);

        using var download = await alice.GetAsync((string)upload["url"]!);
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("default-src 'none'; sandbox", download.Headers.GetValues("Content-Security-Policy").Single());
        var caching = download.Headers.CacheControl!;
        Assert.Equal((true, TimeSpan.FromSeconds(31536000), "immutable"), (caching.Private, caching.MaxAge, caching.Extensions.Single().Name));
        Assert.Equal("attachment; filename=\"gpj.html\"; filename*=UTF-8''gpj.html", download.Content.Headers.GetValues("Content-Disposition").Single());
        using var pdfDownload = await alice.GetAsync((string)pdf["url"]!);
        Assert.Equal("attachment; filename=\"Pr_fbericht _Q3_.pdf\"; filename*=UTF-8''Pr%C3%BCfbericht%20%22Q3%22.pdf", pdfDownload.Content.Headers.GetValues("Content-Disposition").Single());

        using var ranged = new HttpRequestMessage(HttpMethod.Get, (string)upload["url"]!) { Headers = { Range = new RangeHeaderValue(6, 11) } };
        using var partial = await alice.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(html[6..12], await partial.Content.ReadAsByteArrayAsync());

        using var again = new HttpRequestMessage(HttpMethod.Get, (string)upload["url"]!) { Headers = { IfNoneMatch = { download.Headers.ETag! } } };
        Assert.Equal(HttpStatusCode.NotModified, (await alice.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task Uploads_ThatAreNotWellFormed_AreRefusedWithTheirCode()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var alice = Server.Client(Alice);
        await AssertProblemAsync(await UploadResponseAsync(alice, chatId, [.. TestImages.PngSignature, .. "not an image at all"u8.ToArray()], "fake.png", "image/png"), HttpStatusCode.BadRequest, "invalid_image");
        await AssertProblemAsync(await alice.PostAsync($"/chat/{chatId}/attachments", new StringContent("just text")), HttpStatusCode.BadRequest, "invalid_upload");
        using var noFile = new MultipartFormDataContent { { new StringContent("value"), "comment" } };
        await AssertProblemAsync(await alice.PostAsync($"/chat/{chatId}/attachments", noFile), HttpStatusCode.BadRequest, "invalid_upload");
        using var truncated = new StringContent("--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhalf a fi");
        truncated.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=abc");
        await AssertProblemAsync(await alice.PostAsync($"/chat/{chatId}/attachments", truncated), HttpStatusCode.BadRequest, "invalid_upload");

        // The server is fine: the next upload works.
        Assert.Equal("image/png", (string?)(await UploadAsync(alice, chatId, TestImages.Png(10, 10), "ok.png", "image/png"))["type"]);
        Assert.DoesNotContain(Server.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task AGifShowsItsFirstFrame_WebPAndPngToo_AndAnImageOverThePixelLimitIsAPlainFile()
    {
        await using var server = await ChatServer.StartAsync(engine: e => e.Services.Configure<ChatEngineOptions>(o => o.Attachments.MaxImagePixels = 1_000_000));
        var chatId = await server.StartChatAsync(Alice, "bob");
        using var alice = server.Client(Alice);

        var gif = await UploadAsync(alice, chatId, TestImages.Gif, "dot.gif", "image/gif");
        Assert.Equal(("image/gif", 1, 1), ((string?)gif["type"], (int)gif["width"]!, (int)gif["height"]!));
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync((string)gif["thumb_url"]!)).StatusCode);
        var webp = await UploadAsync(alice, chatId, TestImages.Encode(400, 100, SKEncodedImageFormat.Webp), "wide.webp", null);
        Assert.Equal(("image/webp", 400, 100), ((string?)webp["type"], (int)webp["width"]!, (int)webp["height"]!));
        using (var thumb = SKBitmap.Decode(await alice.GetByteArrayAsync((string)webp["thumb_url"]!)))
        {
            Assert.Equal((320, 80), (thumb.Width, thumb.Height));
        }

        var huge = await UploadAsync(alice, chatId, TestImages.Png(1001, 1000), "huge.png", "image/png");
        Assert.Equal("image/png", (string?)huge["type"]);
        Assert.Null(huge["thumb_url"]);
        Assert.Null(huge["width"]);
        using var download = await alice.GetAsync((string)huge["url"]!);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        await AssertProblemAsync(await alice.GetAsync((string)huge["url"]! + "/thumb"), HttpStatusCode.NotFound, "attachment_not_found");
    }

    [Fact]
    public async Task Uploads_PastTheSizeLimitOrTheQuota_OrTooFast_AreRefused_AndLeaveNoFile()
    {
        await using var server = await ChatServer.StartAsync(engine: e => e.Services.Configure<ChatEngineOptions>(o =>
        {
            o.Attachments.MaxBytes = 64 * 1024;
            o.Attachments.QuotaPerUser = 100 * 1024;
            o.Attachments.UploadsPerMinute = 3;
        }));
        var chatId = await server.StartChatAsync(Alice, "bob");
        using var alice = server.Client(Alice);

        await AssertProblemAsync(await UploadResponseAsync(alice, chatId, new byte[64 * 1024 + 1], "big.bin", null), HttpStatusCode.RequestEntityTooLarge, "file_too_large");
        await UploadAsync(alice, chatId, new byte[60 * 1024], "first.bin", null);
        await AssertProblemAsync(await UploadResponseAsync(alice, chatId, new byte[50 * 1024], "second.bin", null), HttpStatusCode.Forbidden, "quota_exceeded");
        Assert.Single(Directory.EnumerateFiles(server.AttachmentFolder, "*", SearchOption.AllDirectories));

        using var tooFast = await UploadResponseAsync(alice, chatId, new byte[10], "fourth.bin", null);
        await AssertProblemAsync(tooFast, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(tooFast.Headers.RetryAfter!.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task AHostsScanner_RefusesAFile_WhichIsNotKept()
    {
        await using var server = await ChatServer.StartAsync(engine: e => e.AddAttachmentScanner<EicarScanner>());
        var chatId = await server.StartChatAsync(Alice, "bob");
        using var alice = server.Client(Alice);

        var refused = await UploadResponseAsync(alice, chatId, Encoding.ASCII.GetBytes(EicarScanner.Signature), "eicar.com", null);
        var problem = await AssertProblemAsync(refused, HttpStatusCode.BadRequest, "attachment_refused");
        Assert.Equal("A test virus was found.", (string?)problem["detail"]);
        Assert.Empty(Directory.EnumerateFiles(server.AttachmentFolder, "*", SearchOption.AllDirectories));
        await UploadAsync(alice, chatId, Encoding.ASCII.GetBytes("harmless"), "fine.txt", "text/plain");
    }

    [Fact]
    public async Task ACookieUpload_NeedsTheAntiforgeryToken()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var raw = Server.RawClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/chat/{chatId}/attachments") { Content = Multipart(Encoding.UTF8.GetBytes("x"), "x.txt", null) };
        request.Headers.Add("Cookie", await Server.CookieForAsync(Alice));
        await AssertProblemAsync(await raw.SendAsync(request), HttpStatusCode.BadRequest, "antiforgery_failed");
    }

    [Fact]
    public async Task TheWebSocketAndTheHub_SendMessagesThatCarryAttachments()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var alice = Server.Client(Alice);
        var viaSocket = await UploadAsync(alice, chatId, Encoding.UTF8.GetBytes("socket"), "a.txt", "text/plain");
        var viaHub = await UploadAsync(alice, chatId, Encoding.UTF8.GetBytes("hub"), "b.txt", "text/plain");
        using var bob = await Server.ConnectAsync(Bob, chatId);
        using var socket = await Server.ConnectAsync(Alice, chatId);

        await socket.SendAsync(new { type = "message", text = "", attachments = new[] { (string)viaSocket["id"]! } });
        var frame = await bob.ReceiveAsync("message");
        Assert.Equal(("a.txt", (string?)viaSocket["url"]), ((string?)frame["attachments"]![0]!["name"], (string?)frame["attachments"]![0]!["url"]));
        await socket.SendAsync(new { type = "message", text = "again", attachments = new[] { (string)viaSocket["id"]! } });
        Assert.Equal("invalid_attachment", (string?)(await socket.ReceiveAsync("error"))["code"]);

        await using var hub = await Server.ConnectHubAsync(Alice);
        var sent = await hub.InvokeAsync<JsonElement>("Send", chatId, new { text = "from the hub", attachments = new[] { (string)viaHub["id"]! } });
        Assert.Equal("b.txt", sent.GetProperty("attachments")[0].GetProperty("name").GetString());
        Assert.Equal("b.txt", (string?)(await bob.ReceiveAsync("message"))["attachments"]![0]!["name"]);
    }

    [Fact]
    public async Task TheSweeper_DeletesUploadsNoMessageCarriedInTime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServer.StartAsync(time: time);
        var chatId = await server.StartChatAsync(Alice, "bob");
        using var alice = server.Client(Alice);
        var upload = await UploadAsync(alice, chatId, Encoding.UTF8.GetBytes("forgotten"), "f.txt", "text/plain");

        // The sweeper's own timer fires too as time jumps; whichever sweep gets there first removes it.
        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await server.Services.GetRequiredService<AttachmentSweeper>().SweepAsync(CancellationToken.None);
        await AssertProblemAsync(await alice.GetAsync((string)upload["url"]!), HttpStatusCode.NotFound, "attachment_not_found");
        Assert.Empty(Directory.EnumerateFiles(server.AttachmentFolder, "*", SearchOption.AllDirectories));
    }

    internal static async Task<JsonObject> UploadAsync(HttpClient client, long chatId, byte[] bytes, string name, string? type)
    {
        using var response = await UploadResponseAsync(client, chatId, bytes, name, type);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    internal static Task<HttpResponseMessage> UploadResponseAsync(HttpClient client, long chatId, byte[] bytes, string name, string? type) =>
        client.PostAsync($"/chat/{chatId}/attachments", Multipart(bytes, name, type));

    private static MultipartFormDataContent Multipart(byte[] bytes, string name, string? type)
    {
        var file = new ByteArrayContent(bytes);
        if (type is not null)
        {
            file.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        }

        // As browsers send any name: the UTF-8 form (filename*), which also carries quotes and bidi controls.
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileNameStar = name };
        return new MultipartFormDataContent { file };
    }

    internal static async Task<JsonObject> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
            var problem = JsonNode.Parse(body)!.AsObject();
            Assert.Equal(code, (string?)problem["code"]);
            return problem;
        }
    }

    /// <summary>A scanner as an antivirus would be: it refuses the EICAR test file.</summary>
    private sealed class EicarScanner : IAttachmentScanner
    {
        public const string Signature = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

        public async Task<string?> ScanAsync(AttachmentUpload upload, Stream content, CancellationToken cancellationToken)
        {
            var text = await new StreamReader(content).ReadToEndAsync(cancellationToken);
            return text.Contains("EICAR-STANDARD-ANTIVIRUS-TEST-FILE", StringComparison.Ordinal) ? "A test virus was found." : null;
        }
    }
}

/// <summary>Real images, made with SkiaSharp, and a hand-made GIF (Skia reads GIFs but does not write them).</summary>
internal static class TestImages
{
    public static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    // A 1x1 GIF89a: header, logical screen, a two-colour table, one image, trailer.
    public static readonly byte[] Gif = Convert.FromBase64String("R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=");

    public static byte[] Jpeg(int width, int height) => Encode(width, height, SKEncodedImageFormat.Jpeg);

    public static byte[] Png(int width, int height) => Encode(width, height, SKEncodedImageFormat.Png);

    public static byte[] Encode(int width, int height, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.CornflowerBlue);
            using var paint = new SKPaint { Color = SKColors.Orange };
            canvas.DrawCircle(width / 2f, height / 2f, Math.Min(width, height) / 3f, paint);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 85);
        return data.ToArray();
    }
}
