using System.Globalization;

namespace ChatEngine.LoadTest;

/// <summary>Command-line settings. Run with --help for the list.</summary>
internal sealed record LoadOptions
{
    public Uri? Target { get; init; }
    public string Mode { get; init; } = "chat";
    public string Database { get; init; } = "sqlite";
    public string? HostDll { get; init; }
    public int Groups { get; init; } = 20;
    public int Members { get; init; } = 10;
    public double Rate { get; init; }
    public int Window { get; init; } = 4;
    public double Duration { get; init; } = 10;
    public double Warmup { get; init; }
    public string? JsonPath { get; init; }
    public string? LatencyLogPath { get; init; }
    public int? ServePort { get; init; }
    public int IdleConnections { get; init; }
    public int Hosts { get; init; } = 1;
    public string? Redis { get; init; }
    public bool UserStreams { get; init; }
    public int Missed { get; init; } = 100;
    public double ReadEvery { get; init; }

    public const string Help = """
        ChatEngine load test: drives a chat server over its public contract (REST + WebSockets) and
        reports accepted messages/s, deliveries/s and end-to-end latency, then verifies that every
        acknowledged message was stored once and delivered once to every member.

          --target URL         test a running host (default: start the reference host)
          --host-dll PATH      the reference host to start (default: its Release build output)
          --database NAME      sqlite (default) or postgres (uses ConnectionStrings__PostgreSqlTests) when starting the host
          --hosts N            start N reference hosts sharing PostgreSQL and Redis (scale-out); sockets are spread
                               over them round-robin (default 1; more than 1 needs --database postgres)
          --redis CONNECTION   Redis for --hosts (default: ConnectionStrings__RedisTests)
          --mode MODE          chat (default); baseline: a bare Kestrel WebSocket fan-out, no auth, no storage;
                               uploads: stored attachments (memory while a 100 MB file streams in, and ten
                               concurrent 20 MB uploads against copying the same bytes to the same disk);
                               reconnect: every member on a user stream drops, misses --missed messages per
                               group, then all come back at once with their cursors (a reconnect storm);
                               rest: every member asks, in turns and one at a time, for its chat list, its
                               group list and its group's newest page, for --warmup then --duration seconds
                               (requests/s, latency, server CPU per request)
          --user-streams       chat mode: every member also holds a user stream (ws/user/), which must get
                               each message once more, no more
          --read-every MS      chat mode: each member marks its chat read up to the newest message it got from
                               another member, at most once per MS milliseconds, as a client showing the chat
                               does while messages arrive (default 0: never)
          --missed N           reconnect mode: messages each group gets while its members are away (default 100)
          --groups N           groups (default 20)
          --members N          members per group (default 10)
          --rate N             messages/s offered in total; 0 = as fast as the window allows (default 0)
          --window N           unacknowledged messages allowed per connection (default 4)
          --duration SECONDS   measured sending time (default 10)
          --warmup SECONDS     send this long first without measuring (JIT tiers, pools), still verified (default 0)
          --idle N             only open N idle WebSockets and report server memory (no sending)
          --json PATH          also write the results as JSON
          --latency-log PATH   also write one line per measured delivery: when its message was sent (ms after the
                               warm-up) and its latency (ms); the first line gives the warm-up's end on the
                               monotonic clock (ns), to line the tail up with a profile of the same run
        """;

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--target" => options with { Target = new Uri(Next()) },
                "--host-dll" => options with { HostDll = Next() },
                "--database" => options with { Database = Next() },
                "--mode" => options with { Mode = Next() },
                "--groups" => options with { Groups = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--members" => options with { Members = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--rate" => options with { Rate = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--window" => options with { Window = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--duration" => options with { Duration = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--warmup" => options with { Warmup = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--json" => options with { JsonPath = Next() },
                "--latency-log" => options with { LatencyLogPath = Next() },
                "--idle" => options with { IdleConnections = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--hosts" => options with { Hosts = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--redis" => options with { Redis = Next() },
                "--user-streams" => options with { UserStreams = true },
                "--read-every" => options with { ReadEvery = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--missed" => options with { Missed = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--serve-baseline" => options with { ServePort = int.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n{Help}"),
            };
        }

        if (options.Mode is not ("chat" or "baseline" or "uploads" or "reconnect" or "rest"))
        {
            throw new ArgumentException("--mode is chat, baseline, uploads, reconnect or rest.");
        }

        if (options.Hosts < 1 || (options.Hosts > 1 && (options.Database != "postgres" || options.Mode != "chat" || options.Target is not null)))
        {
            throw new ArgumentException("--hosts N (N ≥ 1); several hosts need --database postgres, chat mode and no --target.");
        }

        if (options.ReadEvery < 0 || (options.ReadEvery > 0 && options.Mode != "chat"))
        {
            throw new ArgumentException("--read-every MS (MS ≥ 0) is for chat mode.");
        }

        return options.Groups < 1 || options.Members < 2 || options.Window < 1 || options.Duration <= 0 || options.Warmup < 0
            ? throw new ArgumentException("--groups ≥ 1, --members ≥ 2, --window ≥ 1, --duration > 0 and --warmup ≥ 0.")
            : options;
    }
}
