using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatEngine.AspNetCore;

/// <summary>Source-generated serialization for every contract shape: no reflection on the hot paths.</summary>
[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(List<ChatListItemResponse>))]
[JsonSerializable(typeof(List<GroupListItemResponse>))]
[JsonSerializable(typeof(ChatListItemResponse))]
[JsonSerializable(typeof(GroupResponse))]
[JsonSerializable(typeof(ChatDetailResponse))]
[JsonSerializable(typeof(List<UserSearchResponse>))]
[JsonSerializable(typeof(GroupJoinResponse))]
[JsonSerializable(typeof(JoinCodeResponse))]
[JsonSerializable(typeof(StartChatRequest))]
[JsonSerializable(typeof(CreateGroupRequest))]
[JsonSerializable(typeof(JoinGroupRequest))]
[JsonSerializable(typeof(RenameGroupRequest))]
[JsonSerializable(typeof(AddMembersRequest))]
[JsonSerializable(typeof(UserNameRequest))]
[JsonSerializable(typeof(MessageFrame))]
[JsonSerializable(typeof(ReadFrame))]
[JsonSerializable(typeof(TypingFrame))]
[JsonSerializable(typeof(StatusFrame))]
[JsonSerializable(typeof(ErrorFrame))]
[JsonSerializable(typeof(FileFrame))]
[JsonSerializable(typeof(IncomingFrame))]
[JsonSerializable(typeof(MemberAddedFrame))]
[JsonSerializable(typeof(MemberRemovedFrame))]
[JsonSerializable(typeof(RoleChangedFrame))]
[JsonSerializable(typeof(ChatUpdatedFrame))]
[JsonSerializable(typeof(ChatDeletedFrame))]
[JsonSerializable(typeof(CaughtUpFrame))]
[JsonSerializable(typeof(ChangesResponse))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(List<JsonElement>))]
[JsonSerializable(typeof(WebAppManifest))]
internal sealed partial class ChatJsonContext : JsonSerializerContext;
