using System.Diagnostics;
using System.Net.Http.Headers;

namespace ChatEngine.LoadTest;

/// <summary>
/// Stored attachments under load: how much the server's memory grows while one 100 MB file streams in
/// (it must stream to disk, never sit whole in memory), and how ten concurrent 20 MB uploads compare
/// with copying the same bytes to the same disk in this process (the disk's own speed) and with the
/// same bodies posted to a bare Kestrel that only writes them to a file (HTTP's own cost on this machine).
/// </summary>
internal static class Uploads
{
    public const long LargeFile = 100L * 1024 * 1024;
    private const long ConcurrentFile = 20L * 1024 * 1024;
    private const int Concurrent = 10;
    private const int Rounds = 5;

    public static async Task<string> RunAsync(Uri server, ServerProcesses? process, Uri baseline)
    {
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(10) };
        var (_, chatId) = await OnePrivateChat.StartAsync(http, "up");

        // Warm up the path (JIT, pools), then measure one large file with the server's memory sampled throughout.
        await UploadAsync(http, chatId, 4 * 1024 * 1024);
        GC.Collect();
        await Task.Delay(1000);
        var before = process?.MemoryMiB() ?? double.NaN;
        var peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, process?.MemoryMiB() ?? double.NaN);
                await Task.Delay(20);
            }
        });
        var large = Stopwatch.StartNew();
        await UploadAsync(http, chatId, LargeFile);
        large.Stop();
        await sampling.CancelAsync();
        await sampler;

        // The disk's speed here varies from one second to the next: the three are measured in turns,
        // several rounds, and each reported by its median.
        using var bare = new HttpClient { BaseAddress = baseline, Timeout = TimeSpan.FromMinutes(10) };
        await PostRawAsync(bare, 4 * 1024 * 1024);
        var (uploads, copies, posts) = (new List<TimeSpan>(), new List<TimeSpan>(), new List<TimeSpan>());
        for (var round = 0; round < Rounds; round++)
        {
            uploads.Add(await TimeAsync(() => Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => UploadAsync(http, chatId, ConcurrentFile)))));
            copies.Add(await TimeAsync(CopyToDiskAsync));
            posts.Add(await TimeAsync(() => Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => PostRawAsync(bare, ConcurrentFile)))));
        }

        var (concurrent, disk, kestrel) = (Median(uploads), Median(copies), Median(posts));
        var total = Concurrent * ConcurrentFile / (1024.0 * 1024);
        return string.Join('\n',
            $"  100 MB upload                 {large.Elapsed.TotalSeconds:F2} s ({LargeFile / 1024.0 / 1024 / large.Elapsed.TotalSeconds:F0} MB/s)",
            $"  server memory before          {before:F1} MiB",
            $"  server memory peak during it  {peak:F1} MiB (growth {peak - before:F1} MiB)",
            $"  {Concurrent} concurrent 20 MB uploads  {concurrent.TotalSeconds:F2} s ({total / concurrent.TotalSeconds:F0} MB/s, median of {Rounds})",
            $"  the same bytes copied to disk {disk.TotalSeconds:F2} s ({total / disk.TotalSeconds:F0} MB/s)",
            $"  ... posted to a bare Kestrel  {kestrel.TotalSeconds:F2} s ({total / kestrel.TotalSeconds:F0} MB/s)",
            $"  uploads at                    {disk.TotalSeconds / concurrent.TotalSeconds:P0} of the disk's speed, {kestrel.TotalSeconds / concurrent.TotalSeconds:P0} of a bare Kestrel's");
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> work)
    {
        var watch = Stopwatch.StartNew();
        await work();
        return watch.Elapsed;
    }

    private static TimeSpan Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2);

    private static async Task PostRawAsync(HttpClient http, long size)
    {
        using var body = new StreamContent(new GeneratedStream(size), 256 * 1024);
        using var response = await http.PostAsync("/upload", body);
        response.EnsureSuccessStatusCode();
    }

    private static async Task UploadAsync(HttpClient http, long chatId, long size)
    {
        using var file = new StreamContent(new GeneratedStream(size), 256 * 1024);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var form = new MultipartFormDataContent { { file, "file", "data.bin" } };
        using var response = await http.PostAsync($"/chat/{chatId}/attachments", form);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Upload failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Ten 20 MB files written at once to the temporary folder's disk (where the server keeps its files), each flushed to the disk.</summary>
    private static async Task CopyToDiskAsync()
    {
        var folder = Directory.CreateTempSubdirectory("chatengine-disk-").FullName;
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(async i =>
            {
                // Written as the file store writes (large writes, then flushed to the disk before it counts as stored).
                await using var target = new FileStream(Path.Combine(folder, $"{i}.bin"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
                await new GeneratedStream(ConcurrentFile).CopyToAsync(target, 1024 * 1024);
                target.Flush(flushToDisk: true);
            }));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Bytes made on the fly (never held whole): slices of one random megabyte, so making them costs a
    /// memory copy, the same for the uploads and the disk copy they are compared with.
    /// </summary>
    private sealed class GeneratedStream(long length) : Stream
    {
        private static readonly byte[] Block = System.Security.Cryptography.RandomNumberGenerator.GetBytes(1024 * 1024);

        private long _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var at = (int)(_position % Block.Length);
            var n = (int)Math.Min(Math.Min(count, Block.Length - at), length - _position);
            Block.AsSpan(at, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
