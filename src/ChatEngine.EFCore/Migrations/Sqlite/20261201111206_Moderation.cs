using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatEngine.EntityFrameworkCore.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class Moderation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "MuteAt",
                table: "ChatEngineMembers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "MuteBy",
                table: "ChatEngineMembers",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "MuteReason",
                table: "ChatEngineMembers",
                type: "TEXT",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "MuteUntil",
                table: "ChatEngineMembers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ChatEngineBans",
                columns: table => new
                {
                    ChatId = table.Column<long>(type: "INTEGER", nullable: false),
                    UserId = table.Column<long>(type: "INTEGER", nullable: false),
                    Until = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    ByUserId = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineBans", x => new { x.ChatId, x.UserId });
                    table.ForeignKey(
                        name: "FK_ChatEngineBans_ChatEngineChats_ChatId",
                        column: x => x.ChatId,
                        principalTable: "ChatEngineChats",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ChatEngineBlocks",
                columns: table => new
                {
                    UserId = table.Column<long>(type: "INTEGER", nullable: false),
                    BlockedUserId = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineBlocks", x => new { x.UserId, x.BlockedUserId });
                });

            migrationBuilder.CreateTable(
                name: "ChatEngineReports",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ChatId = table.Column<long>(type: "INTEGER", nullable: false),
                    MessageId = table.Column<long>(type: "INTEGER", nullable: false),
                    ReporterId = table.Column<long>(type: "INTEGER", nullable: false),
                    Reason = table.Column<int>(type: "INTEGER", nullable: false),
                    Note = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    MessageSenderId = table.Column<long>(type: "INTEGER", nullable: false),
                    MessageText = table.Column<string>(type: "TEXT", nullable: false),
                    MessageSentAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineReports", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ChatEngineReports_ChatEngineChats_ChatId",
                        column: x => x.ChatId,
                        principalTable: "ChatEngineChats",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineReports_ChatId_Id",
                table: "ChatEngineReports",
                columns: new[] { "ChatId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineReports_MessageId_ReporterId",
                table: "ChatEngineReports",
                columns: new[] { "MessageId", "ReporterId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineReports_ReporterId_At",
                table: "ChatEngineReports",
                columns: new[] { "ReporterId", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ChatEngineBans");

            migrationBuilder.DropTable(
                name: "ChatEngineBlocks");

            migrationBuilder.DropTable(
                name: "ChatEngineReports");

            migrationBuilder.DropColumn(
                name: "MuteAt",
                table: "ChatEngineMembers");

            migrationBuilder.DropColumn(
                name: "MuteBy",
                table: "ChatEngineMembers");

            migrationBuilder.DropColumn(
                name: "MuteReason",
                table: "ChatEngineMembers");

            migrationBuilder.DropColumn(
                name: "MuteUntil",
                table: "ChatEngineMembers");
        }
    }
}
