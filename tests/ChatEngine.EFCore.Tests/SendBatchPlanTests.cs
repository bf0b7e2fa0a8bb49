using ChatEngine.EntityFrameworkCore;
using Xunit;

namespace ChatEngine.EFCore.Tests;

/// <summary>The group-commit batch's decisions, checked without a database.</summary>
public sealed class SendBatchPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NewMessages_AreNumberedPerChat_InSendOrder_EndingAtTheReservedSequence()
    {
        var plan = new SendBatchPlan([Send(1, 10, "a"), Send(2, 20, "b"), Send(1, 11, "c"), Send(1, 10, "d")]);
        plan.Admit(Members((1, 10), (1, 11), (2, 20)), NothingStored);

        Assert.Equal(new Dictionary<long, int> { [1] = 3, [2] = 1 }, plan.SequencesNeeded());
        var rows = plan.Number(new Dictionary<long, ReservedNumbers> { [1] = new(7, 9), [2] = new(1, 2) });
        AssignIds(rows);
        var outcomes = plan.Outcomes();

        Assert.Equal([(1L, 5L, "a"), (2L, 1L, "b"), (1L, 6L, "c"), (1L, 7L, "d")], outcomes.Select(o => (o.Result!.Message.ChatId, o.Result.Message.Sequence, o.Result.Message.Text)));
        // Change numbers run beside the sequences, ending at the reserved number (other changes sit between).
        Assert.Equal([7L, 2L, 8L, 9L], outcomes.Select(o => o.Result!.Message.Seq));
        Assert.All(outcomes, o => Assert.True(o.Result!.Created));
    }

    [Fact]
    public void NewEntries_AreTheNewMessagesByChatAndNumber_TheOutcomesOwn()
    {
        var plan = new SendBatchPlan([Send(2, 20, "b"), Send(1, 10, "a"), Send(1, 10, "again", "x"), Send(1, 10, "repeat", "x")]);
        plan.Admit(Members((1, 10), (2, 20)), NothingStored);
        AssignIds(plan.Number(new Dictionary<long, ReservedNumbers> { [1] = new(4, 9), [2] = new(1, 3) }));

        var entries = plan.NewEntries();
        var outcomes = plan.Outcomes();

        Assert.Equal([(1L, 8L, "a"), (1L, 9L, "again"), (2L, 3L, "b")], entries.Select(e => (e.Message!.ChatId, e.Seq, e.Message.Text)));
        // One message per new row, the repeat's included: what participants saw is what the senders get.
        Assert.Same(entries[0].Message, outcomes[1].Result!.Message);
        Assert.Same(entries[1].Message, outcomes[3].Result!.Message);
        Assert.Same(entries[2].Message, outcomes[0].Result!.Message);
    }

    [Fact]
    public void ASendByANonMember_FailsAlone()
    {
        var plan = new SendBatchPlan([Send(1, 10, "member"), Send(1, 99, "stranger")]);
        plan.Admit(Members((1, 10)), NothingStored);
        AssignIds(plan.Number(new Dictionary<long, ReservedNumbers> { [1] = new(1, 2) }));

        var outcomes = plan.Outcomes();

        Assert.Equal(1, outcomes[0].Result!.Message.Sequence);
        Assert.Equal(ChatErrorCodes.ChatNotFound, outcomes[1].Error!.Code);
    }

    [Fact]
    public void RepeatedClientIds_GetTheFirstMessage_StoredOrEarlierInTheBatch()
    {
        var stored = new ChatMessage { Id = 500, ChatId = 1, Sequence = 3, SenderId = 10, Text = "before", SentAt = Now, ClientId = "old" };
        var plan = new SendBatchPlan([Send(1, 10, "again", "old"), Send(1, 10, "first", "new"), Send(1, 10, "retry", "new"), Send(1, 11, "other sender", "new")]);
        plan.Admit(Members((1, 10), (1, 11)), new Dictionary<(long, long, string), ChatMessage> { [(1, 10, "old")] = stored });

        Assert.Equal(new Dictionary<long, int> { [1] = 2 }, plan.SequencesNeeded());
        AssignIds(plan.Number(new Dictionary<long, ReservedNumbers> { [1] = new(5, 6) }));
        var outcomes = plan.Outcomes();

        Assert.Equal((500L, false), (outcomes[0].Result!.Message.Id, outcomes[0].Result!.Created));
        Assert.Equal((outcomes[1].Result!.Message.Id, false), (outcomes[2].Result!.Message.Id, outcomes[2].Result!.Created));
        Assert.True(outcomes[1].Result!.Created);
        Assert.Equal("first", outcomes[2].Result!.Message.Text);
        Assert.Equal("other sender", outcomes[3].Result!.Message.Text); // Client ids are per sender.
    }

    [Fact]
    public void SendsToAChatThatIsGone_FailWithTheirRepeats()
    {
        var plan = new SendBatchPlan([Send(1, 10, "lost", "k"), Send(1, 10, "lost again", "k"), Send(2, 10, "kept")]);
        plan.Admit(Members((1, 10), (2, 10)), NothingStored);
        AssignIds(plan.Number(new Dictionary<long, ReservedNumbers> { [2] = new(1, 2) }));

        var outcomes = plan.Outcomes();

        Assert.Equal(ChatErrorCodes.ChatNotFound, outcomes[0].Error!.Code);
        Assert.Equal(ChatErrorCodes.ChatNotFound, outcomes[1].Error!.Code);
        Assert.Equal("kept", outcomes[2].Result!.Message.Text);
    }

    private static readonly Dictionary<(long, long, string), ChatMessage> NothingStored = [];

    private static MessageDraft Send(long chatId, long senderId, string text, string? clientId = null) =>
        new() { ChatId = chatId, SenderId = senderId, Text = text, SentAt = Now, ClientId = clientId };

    private static Dictionary<(long, long), SenderStanding> Members(params (long ChatId, long UserId)[] pairs) => pairs.ToDictionary(p => p, _ => SenderStanding.Clear);

    private static void AssignIds(IEnumerable<MessageEntity> rows)
    {
        var id = 1000L;
        foreach (var row in rows)
        {
            row.Id = ++id;
        }
    }
}
