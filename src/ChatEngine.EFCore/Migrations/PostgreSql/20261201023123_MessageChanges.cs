using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ChatEngine.EntityFrameworkCore.Migrations.PostgreSql
{
    /// <inheritdoc />
    internal partial class MessageChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Deleted",
                table: "ChatEngineMessages",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "EditClientId",
                table: "ChatEngineMessages",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "EditedAt",
                table: "ChatEngineMessages",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "PinnedAt",
                table: "ChatEngineMessages",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PinnedBy",
                table: "ChatEngineMessages",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ReplyToId",
                table: "ChatEngineMessages",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ChatEngineReactions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ChatId = table.Column<long>(type: "bigint", nullable: false),
                    MessageId = table.Column<long>(type: "bigint", nullable: false),
                    UserId = table.Column<long>(type: "bigint", nullable: false),
                    Emoji = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineReactions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ChatEngineReactions_ChatEngineMessages_MessageId",
                        column: x => x.MessageId,
                        principalTable: "ChatEngineMessages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineMessages_ChatId_PinnedAt",
                table: "ChatEngineMessages",
                columns: new[] { "ChatId", "PinnedAt" },
                filter: "\"PinnedAt\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineReactions_ChatId",
                table: "ChatEngineReactions",
                column: "ChatId");

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineReactions_MessageId_Emoji_UserId",
                table: "ChatEngineReactions",
                columns: new[] { "MessageId", "Emoji", "UserId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ChatEngineReactions");

            migrationBuilder.DropIndex(
                name: "IX_ChatEngineMessages_ChatId_PinnedAt",
                table: "ChatEngineMessages");

            migrationBuilder.DropColumn(
                name: "Deleted",
                table: "ChatEngineMessages");

            migrationBuilder.DropColumn(
                name: "EditClientId",
                table: "ChatEngineMessages");

            migrationBuilder.DropColumn(
                name: "EditedAt",
                table: "ChatEngineMessages");

            migrationBuilder.DropColumn(
                name: "PinnedAt",
                table: "ChatEngineMessages");

            migrationBuilder.DropColumn(
                name: "PinnedBy",
                table: "ChatEngineMessages");

            migrationBuilder.DropColumn(
                name: "ReplyToId",
                table: "ChatEngineMessages");
        }
    }
}
