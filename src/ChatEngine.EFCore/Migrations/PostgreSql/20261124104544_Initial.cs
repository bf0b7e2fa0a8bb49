using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ChatEngine.EntityFrameworkCore.Migrations.PostgreSql
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ChatEngineChats",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Kind = table.Column<int>(type: "integer", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    JoinCode = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    PairLowUserId = table.Column<long>(type: "bigint", nullable: true),
                    PairHighUserId = table.Column<long>(type: "bigint", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastSequence = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineChats", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ChatEngineLastSeen",
                columns: table => new
                {
                    UserId = table.Column<long>(type: "bigint", nullable: false),
                    LastSeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineLastSeen", x => x.UserId);
                });

            migrationBuilder.CreateTable(
                name: "ChatEngineMembers",
                columns: table => new
                {
                    ChatId = table.Column<long>(type: "bigint", nullable: false),
                    UserId = table.Column<long>(type: "bigint", nullable: false),
                    Role = table.Column<int>(type: "integer", nullable: false),
                    JoinedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastReadSequence = table.Column<long>(type: "bigint", nullable: false),
                    LastMarkedSequence = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineMembers", x => new { x.ChatId, x.UserId });
                    table.ForeignKey(
                        name: "FK_ChatEngineMembers_ChatEngineChats_ChatId",
                        column: x => x.ChatId,
                        principalTable: "ChatEngineChats",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ChatEngineMessages",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ChatId = table.Column<long>(type: "bigint", nullable: false),
                    Sequence = table.Column<long>(type: "bigint", nullable: false),
                    SenderId = table.Column<long>(type: "bigint", nullable: false),
                    Text = table.Column<string>(type: "text", nullable: false),
                    SentAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ClientId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineMessages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ChatEngineMessages_ChatEngineChats_ChatId",
                        column: x => x.ChatId,
                        principalTable: "ChatEngineChats",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ChatEngineReadMarks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ChatId = table.Column<long>(type: "bigint", nullable: false),
                    UserId = table.Column<long>(type: "bigint", nullable: false),
                    UpToSequence = table.Column<long>(type: "bigint", nullable: false),
                    ReadAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineReadMarks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ChatEngineReadMarks_ChatEngineChats_ChatId",
                        column: x => x.ChatId,
                        principalTable: "ChatEngineChats",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineChats_JoinCode",
                table: "ChatEngineChats",
                column: "JoinCode",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineChats_PairLowUserId_PairHighUserId",
                table: "ChatEngineChats",
                columns: new[] { "PairLowUserId", "PairHighUserId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineMembers_UserId",
                table: "ChatEngineMembers",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineMessages_ChatId_SenderId_ClientId",
                table: "ChatEngineMessages",
                columns: new[] { "ChatId", "SenderId", "ClientId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineMessages_ChatId_Sequence",
                table: "ChatEngineMessages",
                columns: new[] { "ChatId", "Sequence" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineReadMarks_ChatId_UpToSequence",
                table: "ChatEngineReadMarks",
                columns: new[] { "ChatId", "UpToSequence" });

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineReadMarks_ChatId_UserId_UpToSequence",
                table: "ChatEngineReadMarks",
                columns: new[] { "ChatId", "UserId", "UpToSequence" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ChatEngineLastSeen");

            migrationBuilder.DropTable(
                name: "ChatEngineMembers");

            migrationBuilder.DropTable(
                name: "ChatEngineMessages");

            migrationBuilder.DropTable(
                name: "ChatEngineReadMarks");

            migrationBuilder.DropTable(
                name: "ChatEngineChats");
        }
    }
}
